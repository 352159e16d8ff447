import CirrusEngine
import CirrusModel

/// The Tag commands.
enum TagCommands {
    static let all: [CommandSpec] = []
}
