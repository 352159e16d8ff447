import CirrusEngine
import CirrusModel
import Foundation

extension Schemas {
    /// A resource tag, as listTags and the `tags` field of taggable resources show it.
    static let resourceTag = ResponseSchema<ResourceTag>(objectName: "tag", fields: [
        .string("key", "the tag key") { $0.key },
        .string("value", "the tag value") { $0.value },
        .string("resourcetype", "the type of the tagged resource") { $0.resourceType.rawValue },
        .string("resourceid", "the ID of the tagged resource") { $0.resourceUUID },
        .string("account", "the account that owns the tag (the resource's owner)") { $0.owner?.accountName },
        .string("domainid", "the ID of the owner's domain") { $0.owner.map { id($0.domainUUID) } },
        .string("domain", "the name of the owner's domain") { $0.owner?.domainName },
        .string("customer", "the customer marker given when the tag was made") { $0.customer },
    ])
}

extension ResponseField {
    /// The `tags` field of a taggable resource: its tags as a list of tag objects, always
    /// present (`[]` when it has none). Load the tags of a whole page at once with
    /// ``TagRepository/tags(_:type:resourceIDs:)`` (or ``TagService/tags(type:resourceIDs:)``)
    /// and hand each item its own.
    public static func resourceTags(_ get: @escaping @Sendable (Source) -> [ResourceTag]) -> Self {
        .list("tags", "the list of resource tags associated with the resource", schema: Schemas.resourceTag, get)
    }
}
