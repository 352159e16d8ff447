/// A string enum that the API accepts in any letter case (`kvm`, `KVM`, `Kvm`) and with
/// surrounding blanks, as CloudStack does for its enumerated parameters.
public protocol CaseInsensitiveEnum: RawRepresentable, CaseIterable where RawValue == String {}

extension CaseInsensitiveEnum {
    /// The case whose raw value equals `raw` ignoring letter case and surrounding blanks, or nil.
    public init?(caseInsensitive raw: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let match = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(trimmed) == .orderedSame }) else { return nil }
        self = match
    }

    /// The allowed values, for error messages.
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
