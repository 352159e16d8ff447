import CirrusEngine
import CirrusModel
import Foundation

/// API commands for offerings (declarations land with the work that implements them).
enum OfferingCommands {
    static let all: [CommandSpec] = []
}
