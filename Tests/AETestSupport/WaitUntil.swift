// Waiting for a condition in tests: a bounded poll, never a fixed sleep.
import Foundation

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
public func waitUntil(timeout: Double = 120, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
