import CirrusAgent
import CirrusProtocol
import Testing

@Suite struct ProtocolVersionTests {
    @Test func agentSpeaksTheCurrentProtocol() {
        #expect(Agent.protocolVersion == AgentProtocol.version)
    }
}
