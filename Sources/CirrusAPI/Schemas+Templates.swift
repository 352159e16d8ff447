import CirrusEngine
import CirrusModel
import Foundation

/// One store copy's download state, for `downloaddetails`.
struct TemplateDownloadDetail: Sendable {
    var store: String
    var percent: Int
    var state: String
}

extension Schemas {
    static let templateDownloadDetail = ResponseSchema<TemplateDownloadDetail>(objectName: "downloaddetails", fields: [
        .string("datastore", "the image store") { $0.store },
        .string("downloadPercent", "how much of the file is downloaded") { String($0.percent) },
        .string("downloadState", "the download state on that store") { $0.state },
    ])

    static func templateFields(iso: Bool) -> [ResponseField<TemplateView>] {
        let kind = iso ? "ISO" : "template"
        return [
            .string("id", "the ID of the \(kind)") { id($0.template.uuid) },
            .string("name", "the name of the \(kind)") { $0.template.name },
            .string("displaytext", "the description of the \(kind)") { $0.template.displayText },
            .bool("ispublic", "whether every account may use the \(kind)") { $0.template.isPublic },
            .date("created", "when the \(kind) was registered") { $0.template.created },
            .date("removed", "when the \(kind) was removed") { $0.template.removed },
            .bool("isready", "whether the \(kind) is downloaded and can be used") { $0.isReady },
            .bool("passwordenabled", "whether the \(kind) supports password reset") { $0.template.passwordEnabled },
            .string("format", "the image format") { $0.template.format.rawValue },
            .bool("bootable", "whether the ISO is bootable") { $0.template.bootable },
            .bool("isfeatured", "whether the \(kind) is featured") { $0.template.isFeatured },
            .bool("crossZones", "whether the \(kind) is registered for every zone") { $0.template.crossZones },
            .string("ostypeid", "the ID of the OS type") { $0.osType.map { id($0.uuid) } },
            .string("ostypename", "the name of the OS type") { $0.osType?.description },
            .string("accountid", "the ID of the owning account") { $0.account.map { id($0.uuid) } },
            .string("account", "the name of the owning account") { $0.account?.name },
            .string("zoneid", "the ID of the zone of this entry") { $0.zone.map { id($0.uuid) } },
            .string("zonename", "the name of the zone of this entry") { $0.zone?.name },
            .string("status", "the download status, such as 45% Downloaded or Download Complete") { $0.status },
            .long("size", "the virtual size in bytes") { v in v.representative.flatMap { $0.size > 0 ? $0.size : nil } },
            .long("physicalsize", "the file size in bytes") { v in v.representative.flatMap { $0.physicalSize > 0 ? $0.physicalSize : nil } },
            .string("templatetype", "USER, BUILTIN, SYSTEM or ROUTING") { $0.template.type.rawValue },
            .string("hypervisor", "the hypervisor the \(kind) is for") { $0.template.hypervisor ?? (iso ? nil : "None") },
            .string("domain", "the name of the owner's domain") { $0.domain?.name },
            .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
            .string("domainpath", "the path of the owner's domain") { $0.domain?.displayPath },
            .bool("isextractable", "whether the \(kind) may be extracted") { $0.template.isExtractable },
            .string("checksum", "the checksum of the file") { $0.template.checksum },
            .string("sourcetemplateid", "the template this one was made from") { $0.sourceTemplateUUID.map(id) },
            .string("templatetag", "the template tag") { $0.template.templateTag },
            ResponseField("downloaddetails", "the download state on each image store", type: .list, children: templateDownloadDetail.fieldInfo) { v in
                .array(v.copies.map { c in
                    templateDownloadDetail.render(TemplateDownloadDetail(store: v.storeNames[c.storeID] ?? String(c.storeID), percent: c.downloadPercent, state: c.state.rawValue))
                })
            },
            .integer("bits", "32 or 64") { $0.template.bits },
            .bool("sshkeyenabled", "whether the \(kind) supports SSH key reset") { $0.template.sshKeyEnabled },
            .bool("isdynamicallyscalable", "whether instances of the \(kind) can be scaled while running") { $0.template.isDynamicallyScalable },
            .bool("directdownload", "whether the \(kind) bypasses the image stores (never in Cirrus)") { _ in false },
            .bool("deployasis", "whether the \(kind) is deployed as is (VMware only)") { _ in false },
            .bool("requireshvm", "whether the \(kind) needs hardware virtualisation") { $0.template.requiresHVM },
            .string("url", "where the \(kind) was registered from") { $0.template.url },
            .resourceTags { $0.tags },
            .bool("hasannotations", "whether the \(kind) has comments") { _ in false },
        ]
    }

    static let template = ResponseSchema<TemplateView>(objectName: "template", fields: templateFields(iso: false))
    static let iso = ResponseSchema<TemplateView>(objectName: "iso", fields: templateFields(iso: true))

    static let templatePermissions = ResponseSchema<TemplatePermissionsView>(objectName: "templatepermission", fields: [
        .string("id", "the ID of the template or ISO") { id($0.template.uuid) },
        .bool("ispublic", "whether every account may use it") { $0.template.isPublic },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .stringList("account", "the accounts it is shared with") { $0.accounts },
        .stringList("projectids", "the projects it is shared with") { _ in [] },
    ])

    static func extraction(objectName: String) -> ResponseSchema<TemplateExtraction> {
        ResponseSchema<TemplateExtraction>(objectName: objectName, fields: [
            .string("id", "the ID of the extracted template or ISO") { id($0.template.uuid) },
            .string("name", "its name") { $0.template.name },
            .string("extractId", "the ID of this extraction") { id($0.extractID) },
            .integer("uploadpercentage", "how much is ready") { _ in 100 },
            .string("status", "the extraction status") { _ in "DOWNLOAD_URL_CREATED" },
            .string("accountid", "the ID of the owning account") { $0.account.map { id($0.uuid) } },
            .date("created", "when the extraction was made") { $0.created },
            .string("state", "the extraction state") { _ in "DOWNLOAD_URL_CREATED" },
            .string("storagetype", "where the file is") { _ in "Image" },
            .string("zoneid", "the zone of the copy") { $0.zone.map { id($0.uuid) } },
            .string("zonename", "the name of that zone") { $0.zone?.name },
            .string("extractMode", "HTTP_DOWNLOAD") { $0.mode },
            .string("url", "where to download the file") { $0.url },
        ])
    }

    static let osType = ResponseSchema<(OSType, OSCategory?)>(objectName: "ostype", fields: [
        .string("id", "the ID of the OS type") { id($0.0.uuid) },
        .string("oscategoryid", "the ID of its category") { $0.1.map { id($0.uuid) } },
        .string("oscategoryname", "the name of its category") { $0.1?.name },
        .string("name", "the name of the OS type") { $0.0.description },
        .string("description", "the name of the OS type") { $0.0.description },
        .bool("isuserdefined", "whether an operator added it") { $0.0.isUserDefined },
        .bool("fordisplay", "whether it is shown to users") { $0.0.forDisplay },
    ])

    static let osCategory = ResponseSchema<OSCategory>(objectName: "oscategory", fields: [
        .string("id", "the ID of the OS category") { id($0.uuid) },
        .string("name", "the name of the OS category") { $0.name },
    ])
}
