import CirrusEngine
import CirrusModel

/// The UserData commands.
enum UserDataCommands {
    static let all: [CommandSpec] = []
}
