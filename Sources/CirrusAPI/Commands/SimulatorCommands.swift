import CirrusEngine
import CirrusModel
import Foundation

/// API commands for simulators (declarations land with the work that implements them).
enum SimulatorCommands {
    static let all: [CommandSpec] = []
}
