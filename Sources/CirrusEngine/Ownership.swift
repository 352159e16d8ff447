import CirrusModel
import CirrusStore
import SQLKit

/// Who may touch an existing account-owned object (instances, volumes, snapshots, key pairs,
/// user data, affinity groups): CloudStack's `checkAccess` — the owner, and admins over the
/// owner's domain. The one rule for such objects; new objects get their owner from
/// ``IdentityService/owner(_:caller:accountName:domainID:)``.
enum Ownership {
    /// Refuses unless the caller owns the object or administers its owner's domain.
    static func checkAccess(_ sql: any SQLDatabase, caller: Caller, accountID: Int64, domainID: Int64, resource: String) async throws {
        if caller.isRootAdmin || caller.account.id == accountID { return }
        if caller.isAdmin, let domain = try await DomainRepository.find(sql, id: domainID), caller.administers(domainPath: domain.path) { return }
        throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate with resource \(resource)")
    }
}
