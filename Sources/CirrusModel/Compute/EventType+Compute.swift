extension EventType {
    public static let vmCreate = "VM.CREATE"
    public static let vmStart = "VM.START"
    public static let vmStop = "VM.STOP"
    public static let vmReboot = "VM.REBOOT"
    public static let vmDestroy = "VM.DESTROY"
    public static let vmExpunge = "VM.EXPUNGE"
    public static let vmRecover = "VM.RECOVER"
    public static let vmUpdate = "VM.UPDATE"
    public static let vmUpgrade = "VM.UPGRADE"
    public static let vmScale = "VM.DYNAMIC.SCALE"
    public static let vmMigrate = "VM.MIGRATE"
    public static let vmRestore = "VM.RESTORE"
    public static let vmAssign = "VM.MOVE"
    public static let vmAffinityGroupUpdate = "VM.AG.UPDATE"
    public static let vmResetUserData = "VM.RESETUSERDATA"
    public static let vmResetPassword = "VM.RESETPASSWORD"
    public static let vmResetSSHKey = "VM.RESETSSHKEY"
    public static let vmPowerStateChange = "VM.POWER.STATE.CHANGE"
    public static let volumeCreate = "VOLUME.CREATE"
    public static let volumeDelete = "VOLUME.DELETE"
    public static let volumeAttach = "VOLUME.ATTACH"
    public static let volumeDetach = "VOLUME.DETACH"
    public static let volumeResize = "VOLUME.RESIZE"
    public static let volumeMigrate = "VOLUME.MIGRATE"
    public static let volumeDestroy = "VOLUME.DESTROY"
    public static let volumeRecover = "VOLUME.RECOVER"
    public static let volumeUpdate = "VOLUME.UPDATE"

    /// The instance and volume event types.
    static let compute: [String] = [vmCreate, vmStart, vmStop, vmReboot, vmDestroy, vmExpunge, vmRecover, vmUpdate, vmUpgrade, vmScale, vmMigrate,
                                    vmRestore, vmAssign, vmAffinityGroupUpdate, vmResetUserData, vmResetPassword, vmResetSSHKey, vmPowerStateChange, volumeCreate, volumeDelete, volumeAttach,
                                    volumeDetach, volumeResize, volumeMigrate, volumeDestroy, volumeRecover, volumeUpdate]
}
