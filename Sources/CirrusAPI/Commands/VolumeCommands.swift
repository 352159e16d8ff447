import CirrusEngine
import CirrusModel

/// The Volume commands.
enum VolumeCommands {
    static let all: [CommandSpec] = []
}
