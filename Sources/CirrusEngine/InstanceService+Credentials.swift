import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `resetUserDataForVirtualMachine` asks for.
public struct UserDataReset: Sendable {
    public var userData: String?
    public var userDataID: UUID?
    public var details: [String: String] = [:]
    public var isPost = false

    public init(userData: String?, userDataID: UUID?, details: [String: String] = [:], isPost: Bool = false) {
        self.userData = userData; self.userDataID = userDataID; self.details = details; self.isPost = isPost
    }
}

/// Passwords, SSH keys, user data and affinity groups of a Stopped instance. The host receives
/// them on the next start, in the instance's config drive (``CirrusProtocol/InstanceTO``).
extension InstanceService {
    /// CloudStack's refusal for an instance that is not Stopped: `action` is
    /// "password reset", "SSH Key reset", …
    static func checkStopped(_ vm: VirtualMachine, for action: String) throws {
        if vm.state == .error || vm.state == .expunging {
            throw CloudError.invalidParameter("Vm with id \(vm.uuid.uuidString.lowercased()) is not in the right state")
        }
        guard vm.state == .stopped else {
            throw CloudError.invalidParameter("Vm \(vm.instanceName) should be stopped to do \(action)")
        }
    }

    /// A new random password of `vm.password.length` characters: letters and digits without the
    /// ones people confuse (0/O, 1/l/I), with at least one of each kind.
    func generatePassword() async throws -> String {
        let length = max(6, try await config.int(Settings.vmPasswordLength))
        return Self.randomPassword(length: length)
    }

    static func randomPassword(length: Int) -> String {
        let lower = Array("abcdefghijkmnopqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), digits = Array("23456789")
        let all = lower + upper + digits
        var rng = SystemRandomNumberGenerator()
        var chars = [lower.randomElement(using: &rng)!, upper.randomElement(using: &rng)!, digits.randomElement(using: &rng)!]
        while chars.count < length { chars.append(all.randomElement(using: &rng)!) }
        chars.shuffle(using: &rng)
        return String(chars)
    }

    /// Checks a `resetPasswordForVirtualMachine` before its job is queued.
    public func checkResetPassword(_ vm: VirtualMachine, password: String?) async throws {
        let template = try await db.read { sql in try await vm.templateID.asyncMap { try await TemplateRepository.find(sql, id: $0) } }
        guard let template = template ?? nil, template.passwordEnabled else {
            throw CloudError.invalidParameter("Fail to reset password for the virtual machine, the template is not password enabled")
        }
        try Self.checkStopped(vm, for: "password reset")
        if let password, password.isEmpty || password.count > 255 {
            throw CloudError.invalidParameter("The password must have 1 to 255 characters")
        }
    }

    /// `resetPasswordForVirtualMachine`: a new password (the given one, or a generated one),
    /// kept until the next start hands it to the host. Returns the instance and the password,
    /// which the answer shows once.
    public func resetPassword(_ vm: VirtualMachine, caller: Caller, password: String?) async throws -> (VirtualMachine, String) {
        try await checkResetPassword(vm, password: password)
        let chosen: String
        if let password { chosen = password } else { chosen = try await generatePassword() }
        var changes = VirtualMachineChanges()
        changes.password = .some(chosen)
        let updated = try await changeStopped(vm, changes, caller: caller)
        return (updated, chosen)
    }

    /// Checks a `resetSSHKeyForVirtualMachine` before its job is queued and resolves the key
    /// pairs (of the instance's owner, or of the account named by an admin).
    public func checkResetSSHKeys(_ vm: VirtualMachine, caller: Caller, names: [String], accountName: String?, domainID: UUID?) async throws -> [SSHKeyPair] {
        guard !names.isEmpty else { throw CloudError.invalidParameter("'keypair' or 'keypairs' must be specified") }
        try Self.checkStopped(vm, for: "SSH Key reset")
        return try await db.read { sql in
            let owner: Account
            if accountName != nil || domainID != nil {
                owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            } else {
                guard let o = try await AccountRepository.find(sql, id: vm.accountID) else { throw CloudError.internalError() }
                owner = o
            }
            guard owner.id == vm.accountID else {
                throw CloudError.invalidParameter("The key pairs must belong to the owner of VM instance \(vm.instanceName)")
            }
            return try await KeyPairService.resolve(sql, names: names, owner: owner)
        }
    }

    /// `resetSSHKeyForVirtualMachine`: the instance gets these key pairs (4.17: several) on its
    /// next start; a password-enabled template also gets a new password, returned once.
    public func resetSSHKeys(_ vm: VirtualMachine, caller: Caller, names: [String], accountName: String?, domainID: UUID?) async throws -> (VirtualMachine, String?) {
        let keys = try await checkResetSSHKeys(vm, caller: caller, names: names, accountName: accountName, domainID: domainID)
        let template = try await db.read { sql in try await vm.templateID.asyncMap { try await TemplateRepository.find(sql, id: $0) } } ?? nil
        var changes = VirtualMachineChanges()
        changes.keyPairs = keys.map(\.name)
        var password: String?
        if template?.passwordEnabled == true {
            password = try await generatePassword()
            changes.password = .some(password)
        }
        let updated = try await changeStopped(vm, changes, caller: caller)
        return (updated, password)
    }

    /// `resetUserDataForVirtualMachine` (4.18): new user data (inline or registered), with the
    /// template's linked user data and its override policy applied as on deploy.
    public func resetUserData(_ vm: VirtualMachine, caller: Caller, _ r: UserDataReset) async throws -> VirtualMachine {
        try Self.checkStopped(vm, for: "UserData reset")
        let inline = try await r.userData.asyncMap { try await self.userData.validate(base64: $0, method: r.isPost ? .post : .get) }
        return try await db.transaction { sql in
            let template = try await vm.templateID.asyncMap { try await TemplateRepository.find(sql, id: $0) } ?? nil
            let data = try await UserDataService.resolveForDeploy(sql, owner: vm.accountID, inline: inline, userDataID: r.userDataID,
                                                                  details: r.details, template: template)
            var changes = VirtualMachineChanges()
            changes.userData = .some(data.base64)
            changes.userDataID = .some(data.userDataID)
            return try await self.changeStopped(sql, vm, changes, caller: caller,
                                                event: (EventType.vmResetUserData, "Reset the user data of VM instance \(vm.instanceName)"))
        }
    }

    /// Checks an `updateVMAffinityGroup` before its job is queued.
    public func checkAffinityUpdate(_ vm: VirtualMachine, ids: [UUID], names: [String]) async throws {
        guard !(ids.isEmpty == false && names.isEmpty == false) else {
            throw CloudError.invalidParameter("affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter")
        }
        if vm.state != .stopped {
            throw CloudError.invalidParameter("Unable to update affinity groups of the virtual machine \(vm.instanceName) in state \(vm.state.rawValue); make sure the virtual machine is stopped")
        }
        _ = try await db.read { sql in try await AffinityGroupService.resolve(sql, ids: ids, names: names, owner: vm.accountID) }
    }

    /// `updateVMAffinityGroup`: a Stopped instance's affinity groups are replaced (an empty
    /// list removes them all); the next start places it by the new rules.
    public func updateAffinityGroups(_ vm: VirtualMachine, caller: Caller, ids: [UUID], names: [String]) async throws -> VirtualMachine {
        try await checkAffinityUpdate(vm, ids: ids, names: names)
        return try await db.transaction { sql in
            let groups = try await AffinityGroupService.resolve(sql, ids: ids, names: names, owner: vm.accountID)
            let updated = try await self.changeStopped(sql, vm, VirtualMachineChanges(), caller: caller)
            try await AffinityGroupService.replace(sql, instanceID: vm.id, groups: groups)
            return updated
        }
    }

    /// Applies `changes` to an instance that must still be Stopped, in one transaction. Commands
    /// run as jobs get their events from the job; a synchronous one passes its `event`.
    func changeStopped(_ vm: VirtualMachine, _ changes: VirtualMachineChanges, caller: Caller) async throws -> VirtualMachine {
        try await db.transaction { sql in try await self.changeStopped(sql, vm, changes, caller: caller) }
    }

    func changeStopped(_ sql: any SQLDatabase, _ vm: VirtualMachine, _ changes: VirtualMachineChanges, caller: Caller,
                       event: (type: String, description: String)? = nil) async throws -> VirtualMachine {
        guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped, changes) else {
            throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
        }
        // Passwords, keys and user data are router metadata.
        try await GuestNetworkService.touchRouters(sql, instanceID: vm.id)
        if let event {
            try await events.record(sql, type: event.type, state: .completed, description: event.description, userID: caller.user.id,
                                    accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
        }
        guard let updated = try await VirtualMachineRepository.find(sql, id: vm.id) else { throw CloudError.internalError() }
        return updated
    }
}
