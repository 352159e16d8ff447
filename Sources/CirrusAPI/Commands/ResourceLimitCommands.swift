import CirrusEngine
import CirrusModel

/// The ResourceLimit commands.
enum ResourceLimitCommands {
    static let all: [CommandSpec] = []
}
