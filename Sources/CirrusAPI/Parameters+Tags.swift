import CirrusEngine
import CirrusModel

extension Parameters {
    /// The `tags[N].key` / `tags[N].value` filter of a list command, in index order; empty
    /// when not sent. As in CloudStack, an entry without a value is refused ("No value is
    /// passed in for key …"). Hand the result to ``TagRepository/matching(type:tags:idColumn:)``.
    public func tagFilter(_ name: String = "tags") throws(CloudError) -> [TagPair] {
        var pairs: [TagPair] = []
        for (index, entry) in tagEntries(name).enumerated() {
            guard let key = entry.key, !key.isEmpty else { throw .invalidParameter("No key is passed in for \(name)[\(index)]") }
            guard let value = entry.value else { throw .invalidParameter("No value is passed in for key \(key)") }
            pairs.append(TagPair(key: key, value: value))
        }
        return pairs
    }

    /// The raw `tags[N]` entries of createTags and deleteTags, in index order.
    public func tagEntries(_ name: String = "tags") -> [TagEntry] {
        (map(name) ?? []).map { fields in
            func field(_ wanted: String) -> String? {
                fields[wanted] ?? fields.first(where: { $0.key.lowercased() == wanted })?.value
            }
            return TagEntry(key: field("key"), value: field("value"))
        }
    }
}

extension ParameterSpec {
    /// The `tags` map parameter of taggable list commands.
    public static let tagFilter = ParameterSpec("tags", .map, description: "List resources carrying any of these tags (tags[0].key=k&tags[0].value=v)")
}
