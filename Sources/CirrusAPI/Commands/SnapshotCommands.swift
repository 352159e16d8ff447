import CirrusEngine
import CirrusModel

/// The Snapshot commands.
enum SnapshotCommands {
    static let all: [CommandSpec] = []
}
