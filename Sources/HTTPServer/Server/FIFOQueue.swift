// The handler executor's job queue.

/// First in, first out, with O(1) pops: a burst of responses resumed at once (a merged batch)
/// queues dozens of jobs, and `Array.removeFirst` would move all the rest on every take.
struct FIFOQueue<Element> {
    private var items: [Element?] = []
    private var head = 0

    /// How many elements wait.
    var count: Int { items.count - head }

    mutating func push(_ element: Element) {
        items.append(element)
    }

    /// The oldest element, or nil when empty.
    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)  // amortized: only once taken slots are half the storage
            head = 0
        }
        return element
    }
}
