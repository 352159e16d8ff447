import CirrusEngine
import CirrusModel

/// The AffinityGroup commands.
enum AffinityGroupCommands {
    static let all: [CommandSpec] = []
}
