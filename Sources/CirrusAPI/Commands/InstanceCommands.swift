import CirrusEngine
import CirrusModel

/// The Instance commands.
enum InstanceCommands {
    static let all: [CommandSpec] = []
}
