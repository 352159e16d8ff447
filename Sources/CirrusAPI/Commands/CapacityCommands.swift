import CirrusEngine
import CirrusModel
import Foundation

/// API commands for capacitys (declarations land with the work that implements them).
enum CapacityCommands {
    static let all: [CommandSpec] = []
}
