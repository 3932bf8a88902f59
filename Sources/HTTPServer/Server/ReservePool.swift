// Room for health probes past the caps: a few connection slots beyond `maxConnections`, each
// holding a spare descriptor while it is free, so a probe is answered even when the process
// is out of descriptors or one client holds every connection it may.
import Glibc

/// The reserve slots of the listening loop (confined to its thread). A connection admitted
/// into one may only ask for a probe path (`ServerConfiguration.probePaths`); any other
/// request on it is refused for the cap it is past.
final class ReservePool {
    /// How many slots there are.
    let capacity: Int
    /// Descriptors (of /dev/null) held for free slots: closing one lets `accept` succeed once
    /// more when the process is out of descriptors.
    private var spares: [Int32] = []
    /// Connections holding a slot, oldest first.
    private var holders: [Connection] = []
    /// Set once the server stops accepting: no more spares are opened.
    private var stopped = false

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        replenish()
    }

    deinit { closeSpares() }

    /// Opens spares for free slots that lack one (at start, after a slot was freed, or after an
    /// earlier open failed for want of descriptors).
    func replenish() {
        while !stopped && spares.count < capacity - holders.count {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            spares.append(fd)
        }
    }

    /// Frees a descriptor for an accept that failed with EMFILE or ENFILE: closes a spare, or
    /// gives up the oldest holder with no request under way, which the caller must preempt
    /// (close). `freed` is false when neither exists.
    func freeDescriptor() -> (freed: Bool, victim: Connection?) {
        if let fd = spares.popLast() {
            close(fd)
            return (true, nil)
        }
        if let victim = takeIdleHolder() { return (true, victim) }
        return (false, nil)
    }

    /// Claims a slot for a connection accepted past a cap (then `add` it), giving up the oldest
    /// holder with no request under way when every slot is taken; the caller preempts `victim`.
    func claim() -> (claimed: Bool, victim: Connection?) {
        var victim: Connection?
        if holders.count >= capacity {
            victim = takeIdleHolder()
            guard victim != nil else { return (false, nil) }
        }
        // The new connection's descriptor takes the place of its slot's spare.
        if spares.count > capacity - holders.count - 1, let fd = spares.popLast() { close(fd) }
        return (true, victim)
    }

    /// Records the connection that got the slot `claim` gave.
    func add(_ connection: Connection) {
        holders.append(connection)
    }

    /// A connection closed: if it held a slot, the slot is free again, with its spare reopened.
    func remove(_ connection: Connection) {
        guard let index = holders.firstIndex(where: { $0 === connection }) else { return }
        holders.remove(at: index)
        replenish()
    }

    /// Closes the spares for good (the server stops accepting).
    func closeSpares() {
        stopped = true
        for fd in spares { close(fd) }
        spares.removeAll()
    }

    /// Removes and returns the oldest holder still waiting for its request head or lingering
    /// after its answer: one whose slot a newer connection may have.
    private func takeIdleHolder() -> Connection? {
        guard let index = holders.firstIndex(where: \.isPreemptable) else { return nil }
        return holders.remove(at: index)
    }
}
