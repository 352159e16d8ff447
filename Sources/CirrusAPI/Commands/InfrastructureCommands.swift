import CirrusEngine
import CirrusModel
import Foundation

/// API commands for infrastructures (declarations land with the work that implements them).
enum InfrastructureCommands {
    static let all: [CommandSpec] = []
}
