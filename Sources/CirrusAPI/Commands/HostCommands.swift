import CirrusEngine
import CirrusModel
import Foundation

/// API commands for hosts (declarations land with the work that implements them).
enum HostCommands {
    static let all: [CommandSpec] = []
}
