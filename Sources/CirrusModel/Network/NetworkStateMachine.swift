/// What happens to a network (CloudStack's `Network.Event`).
public enum NetworkEvent: String, Sendable, CaseIterable {
    case implementNetwork = "ImplementNetwork"
    case destroyNetwork = "DestroyNetwork"
    case operationSucceeded = "OperationSucceeded"
    case operationFailed = "OperationFailed"
}

/// CloudStack's network transitions as a pure value: Allocated → Implementing → Implemented
/// → Shutdown → Allocated, with Destroy from Allocated or Setup.
public enum NetworkStateMachine {
    /// The state after `event`, or nil when the event is not allowed in `state`.
    public static func next(_ state: NetworkState, on event: NetworkEvent) -> NetworkState? {
        switch (state, event) {
        case (.allocated, .implementNetwork): .implementing
        case (.allocated, .destroyNetwork): .destroy
        case (.implementing, .operationSucceeded): .implemented
        case (.implementing, .operationFailed): .shutdown
        case (.implemented, .implementNetwork): .implemented
        case (.implemented, .destroyNetwork): .shutdown
        case (.shutdown, .operationSucceeded): .allocated
        case (.shutdown, .operationFailed): .shutdown
        case (.setup, .destroyNetwork): .destroy
        case (.setup, .implementNetwork): .setup
        default: nil
        }
    }
}
