import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of SSH key pairs, user data and affinity groups.
extension Schemas {
    static let sshKeyPair = ResponseSchema<SSHKeyPairView>(objectName: "keypair", fields: [
        .string("id", "the ID of the key pair") { id($0.keyPair.uuid) },
        .string("name", "the name of the key pair") { $0.keyPair.name },
        .string("account", "the owner account of the key pair") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("fingerprint", "the MD5 fingerprint of the public key") { $0.keyPair.fingerprint },
        .string("privatekey", "the private key (PKCS#1 PEM), returned only by createSSHKeyPair") { $0.privateKey },
        .bool("hasannotations", "whether the key pair has annotations") { _ in false },
    ])

    static let userData = ResponseSchema<UserDataView>(objectName: "userdata", fields: [
        .string("id", "the ID of the user data") { id($0.userData.uuid) },
        .string("name", "the name of the user data") { $0.userData.name },
        .string("accountid", "the ID of the owner account") { $0.account.map { id($0.uuid) } },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("userdata", "the user data, base64") { $0.userData.content },
        .string("params", "the variables declared in the user data, comma-separated") { $0.userData.params },
        .bool("hasannotations", "whether the user data has annotations") { _ in false },
    ])

    static let affinityGroup = ResponseSchema<AffinityGroupView>(objectName: "affinitygroup", fields: [
        .string("id", "the ID of the affinity group") { id($0.group.uuid) },
        .string("name", "the name of the affinity group") { $0.group.name },
        .string("description", "the description of the affinity group") { $0.group.description },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("type", "the type of the affinity group") { $0.group.type.rawValue },
        .stringList("virtualmachineIds", "the IDs of the instances in the group") { $0.instanceUUIDs.map(id) },
    ])

    static let affinityGroupType = ResponseSchema<AffinityGroupType>(objectName: "affinityGroupType", fields: [
        .string("type", "the type of the affinity group") { $0.rawValue },
    ])

    /// The fields `linkUserDataToTemplate` adds to a template response.
    static func linkedUserDataFields(_ view: LinkedTemplateView) -> [ResponseNode.Field] {
        guard let u = view.userData, let policy = view.policy else { return [] }
        var out: [ResponseNode.Field] = [
            .init("userdataid", .string(id(u.uuid))),
            .init("userdataname", .string(u.name)),
            .init("userdatapolicy", .string(policy.rawValue)),
        ]
        if let params = u.params { out.append(.init("userdataparams", .string(params))) }
        return out
    }
}
