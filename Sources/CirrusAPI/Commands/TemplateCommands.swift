import CirrusEngine
import CirrusModel
import Foundation

/// API commands for templates (declarations land with the work that implements them).
enum TemplateCommands {
    static let all: [CommandSpec] = []
}
