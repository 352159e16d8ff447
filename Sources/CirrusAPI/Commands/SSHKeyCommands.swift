import CirrusEngine
import CirrusModel

/// The SSHKey commands.
enum SSHKeyCommands {
    static let all: [CommandSpec] = []
}
