// What swift-configuration saw for each key read, so that a failed read can be told apart by
// what happened rather than by an error's text: no provider had a value (use the default) or a
// value was there that does not convert to the key's type (a configuration error).
import Configuration
import Synchronization

/// Keeps the last access event of each key a `ConfigReader` reads.
final class ConfigLookups: AccessReporter {
    private let events = Mutex<[AbsoluteConfigKey: AccessEvent]>([:])

    func report(_ event: AccessEvent) {
        events.withLock { $0[event.metadata.key] = event }
    }

    /// Whether the last read of `key` found no value in any provider (none failed, none had one).
    func wasMissing(_ key: String) -> Bool {
        guard let event = events.withLock({ $0[AbsoluteConfigKey(ConfigKey(key))] }), event.conversionError == nil
        else { return false }
        return event.providerResults.allSatisfy { provider in
            if case .success(let lookup) = provider.result { return lookup.value == nil }
            return false
        }
    }
}
