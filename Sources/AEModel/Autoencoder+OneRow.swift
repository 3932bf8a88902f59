// One-vector inference as a single parallel job. A one-row layer is a few microseconds of
// gemv, bound by reading its weights; handing each large layer to a second core separately
// cost one handoff per layer and left the small layers in between on one core. Here the whole
// chain is one job: the cores take the blocks of each layer in turn, and a layer's block
// starts once the previous layer is complete.
import AEMath

extension Autoencoder {
    /// `layers[chain]` applied in turn to `input`; one-row inputs run as one parallel job.
    func forward(through chain: [Int], _ input: Matrix<S>) -> Matrix<S> {
        if input.rows == 1, let output = oneRowForward(through: chain, input) { return output }
        var h = input
        for i in chain { h = layers[i](h) }
        return h
    }

    /// Chains with fewer weights than this run on one core: the handoff costs more.
    static var oneRowParallelWork: Int { 1 << 18 }

    /// The one-row chain as phases of `Parallel.forEachPhase`, one per layer, each layer's
    /// outputs split into blocks of at least 64; nil when the chain is too small to split
    /// or the process has one core for math.
    private func oneRowForward(through chain: [Int], _ input: Matrix<S>) -> Matrix<S>? {
        guard let last = chain.last,
              ComputePolicy.current.cores > 1 && chain.reduce(0, { $0 + layers[$1].weight.count }) >= Self.oneRowParallelWork
        else { return nil }
        precondition(input.columns == layers[chain[0]].inputs,
                     "dense: input has \(input.columns) features, layer takes \(layers[chain[0]].inputs)")
        var outputs = [S](repeating: 0, count: chain.reduce(0) { $0 + layers[$1].outputs })
        var steps: [OneRowStep<S>] = []
        steps.reserveCapacity(chain.count)
        outputs.withUnsafeMutableBufferPointer { outputs in
            input.storage.withUnsafeBufferPointer { input in
                withParameters(of: chain[...], &steps, input: input.baseAddress!, output: outputs.baseAddress!) { steps in
                    // The wait is paid after every layer anyway, so even small layers are split.
                    // Split by the policy's cores, whatever the task's width (which only
                    // decides whether the blocks run in parallel), so the bits never depend on load.
                    let gang = ComputePolicy.current.cores
                    Parallel.forEachPhase(steps.count, blocks: gang) { phase, block in
                        steps[phase].run(block: block, of: gang)
                    }
                }
            }
        }
        return Matrix(rows: 1, columns: layers[last].outputs, values: Array(outputs.suffix(layers[last].outputs)))
    }

    /// Calls `body` with one step per layer of `chain`, holding each layer's parameters open
    /// for the whole call: the threads of the job then read plain pointers, with no reference
    /// counting on shared arrays between layers.
    private func withParameters(
        of chain: ArraySlice<Int>, _ steps: inout [OneRowStep<S>], input: UnsafePointer<S>,
        output: UnsafeMutablePointer<S>, _ body: ([OneRowStep<S>]) -> Void
    ) {
        guard let index = chain.first else { return body(steps) }
        let layer = layers[index]
        layer.weight.storage.withUnsafeBufferPointer { weight in
            layer.bias.withUnsafeBufferPointer { bias in
                steps.append(OneRowStep(weight: weight.baseAddress!, bias: bias.baseAddress!, inputs: layer.inputs,
                                        outputs: layer.outputs, activation: layer.activation, input: input, output: output))
                withParameters(of: chain.dropFirst(), &steps, input: output, output: output + layer.outputs, body)
            }
        }
    }
}

/// One layer of a one-row chain: where its parameters, input and output are.
struct OneRowStep<S: BLASScalar> {
    let weight: UnsafePointer<S>, bias: UnsafePointer<S>
    let inputs: Int, outputs: Int
    let activation: Activation
    let input: UnsafePointer<S>, output: UnsafeMutablePointer<S>

    /// Block `block` of `blocks` of the outputs (blocks of at least 64; a block past the last
    /// one does nothing): bias, gemv and activation for those outputs only.
    func run(block: Int, of blocks: Int) {
        let count = Parallel.blockCount(outputs, blocks: blocks, minimum: 64)
        guard block < count else { return }
        let range = Parallel.blockRange(block, of: count, covering: outputs)
        (output + range.lowerBound).update(from: bias + range.lowerBound, count: range.count)
        S.gemv(transpose: false, rows: range.count, columns: inputs, alpha: 1, a: weight + range.lowerBound * inputs,
               lda: inputs, x: input, beta: 1, y: output + range.lowerBound)
        activation.apply(to: output, range)
    }
}
