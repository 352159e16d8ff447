import CirrusModel

extension Settings {
    public static let userDataMaxLength = ConfigDefinition("vm.userdata.max.length", category: "Advanced", type: .integer, default: "32768",
        description: "The longest user data, as base64 text, an instance or registerUserData may carry; at most 1048576", range: 1...1_048_576)
    public static let sshKeyLength = ConfigDefinition("ssh.key.length", category: "Advanced", type: .integer, default: "2048",
        description: "The RSA key size (bits) of key pairs made by createSSHKeyPair", options: ["2048", "3072", "4096"])

    public static let vmPasswordLength = ConfigDefinition("vm.password.length", category: "Advanced", type: .integer, default: "6",
        description: "The length of the passwords generated for instances of password-enabled templates", range: 6...64)

    /// The settings of SSH key pairs, user data and instance passwords.
    static let instances: [ConfigDefinition] = [userDataMaxLength, sshKeyLength, vmPasswordLength]
}
