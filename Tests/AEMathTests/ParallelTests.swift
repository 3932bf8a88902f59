import AEMath
import Dispatch
import Foundation
import Testing

@Suite("Parallel")
struct ParallelTests {
    @Test("blocks cover the range exactly once, from one caller and from many callers at once")
    func coverage() {
        let callers = 8, rounds = 300
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds {
                let count = 1 + (round * 37 + caller * 11) % 500
                let buffer = UnsafeMutablePointer<Int>.allocate(capacity: count)
                buffer.initialize(repeating: 0, count: count)
                Parallel.$taskWidth.withValue(2) {
                    Parallel.forEachBlock(count, blocks: 2, minimum: 1) { range in
                        for i in range { buffer[i] += 1 }
                    }
                }
                if (0..<count).contains(where: { buffer[$0] != 1 }) { failures.add() }
                buffer.deallocate()
            }
        }
        #expect(failures.count == 0)
    }

    @Test("phases run every block once, each phase after the whole previous one, from one caller and many")
    func phases() {
        let callers = 4, rounds = 200
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds {
                let phases = 1 + (round + caller) % 7, blocks = 1 + round % 3
                // done[p] counts finished blocks of phase p; a block of phase p checks phase p - 1.
                let done = UnsafeMutablePointer<Int>.allocate(capacity: phases)
                done.initialize(repeating: 0, count: phases)
                let lock = NSLock()
                var early = 0
                Parallel.forEachPhase(phases, blocks: blocks) { phase, block in
                    lock.withLock {
                        if phase > 0 && done[phase - 1] != blocks { early += 1 }
                        done[phase] += 1
                    }
                }
                if early != 0 || (0..<phases).contains(where: { done[$0] != blocks }) { failures.add() }
                done.deallocate()
            }
        }
        #expect(failures.count == 0)
    }

    @Test("a large elementwise loop runs in chunks that cover it once")
    func chunks() {
        var values = [Int](repeating: 0, count: 100_003)
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(buffer.count) { range in
                for i in range { base[i] = i }
            }
        }
        #expect(values == Array(0..<100_003))
    }
}

private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}
