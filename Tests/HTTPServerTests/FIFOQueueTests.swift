// The handler executor's queue: order kept across the storage compaction that bursts cause.
@testable import HTTPServer
import Testing

@Suite("FIFOQueue")
struct FIFOQueueTests {
    @Test("elements come out in the order they went in, through bursts, drains and compactions")
    func keepsOrder() {
        var queue = FIFOQueue<Int>()
        var expected: [Int] = []
        var next = 0
        // Pushes and pops in uneven rounds, so the queue is sometimes drained and sometimes
        // left holding many taken slots (the compaction path past 64).
        for (pushes, pops) in [(3, 1), (200, 150), (10, 70), (500, 0), (0, 250), (1, 1000), (130, 65), (0, 65)] {
            for _ in 0 ..< pushes {
                queue.push(next)
                expected.append(next)
                next += 1
            }
            for _ in 0 ..< pops {
                let popped = queue.pop()
                if expected.isEmpty {
                    #expect(popped == nil)
                } else {
                    #expect(popped == expected.removeFirst())
                }
            }
            #expect(queue.count == expected.count)
        }
        #expect(queue.pop() == nil)
    }
}
