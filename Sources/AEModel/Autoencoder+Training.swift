// The training pass: forward with caches, the loss, and backward into gradients.
import AEMath

/// Everything one training forward pass keeps for its backward pass.
public struct ForwardPass<S: BLASScalar>: Sendable {
    /// The batch fed in, `[batch, input_dim]` (noisy when denoising).
    public var input: Matrix<S>
    /// Each layer's input, in layer order.
    public var layerInputs: [Matrix<S>]
    /// Each layer's cache, in layer order.
    public var caches: [DenseCache<S>]
    /// The sampled ε of the reparameterisation (variational only), `[batch, latent]`.
    public var noise: Matrix<S>?
    /// The reconstruction, `[batch, input_dim]`.
    public var output: Matrix<S> { caches[caches.count - 1].output }
}

/// The loss of one batch, split into its terms.
public struct BatchLoss: Sendable, Equatable {
    /// The reconstruction term.
    public var reconstruction: Double
    /// The KL term before the beta weight (0 for a plain autoencoder).
    public var kl: Double
    /// reconstruction + beta · kl.
    public var total: Double
}

extension Autoencoder {
    /// The forward pass for training. For a variational model `noise` is the ε of
    /// z = μ + exp(½·logσ²)·ε, `[batch, latent]`; the trainer draws it from its generator.
    @_specialize(exported: true, where S == Float)
    public func forward(_ input: Matrix<S>, noise: Matrix<S>? = nil) -> ForwardPass<S> {
        var layerInputs: [Matrix<S>] = []
        var caches: [DenseCache<S>] = []
        layerInputs.reserveCapacity(layers.count)
        caches.reserveCapacity(layers.count)
        var h = input
        for i in encoderIndices {
            layerInputs.append(h)
            caches.append(layers[i].forward(h))
            h = caches[i].output
        }
        if let meanIndex, let logVarianceIndex {
            precondition(noise?.rows == input.rows && noise?.columns == architecture.latentDimension,
                         "a variational forward pass needs noise shaped [batch, latent]")
            layerInputs.append(h)
            caches.append(layers[meanIndex].forward(h))
            layerInputs.append(h)
            caches.append(layers[logVarianceIndex].forward(h))
            let mean = caches[meanIndex].output, logVariance = caches[logVarianceIndex].output
            var z = mean
            for k in z.storage.indices {
                z.storage[k] += S.exponential(logVariance.storage[k] / 2) * noise!.storage[k]
            }
            h = z
        }
        for i in decoderIndices {
            layerInputs.append(h)
            caches.append(layers[i].forward(h))
            h = caches[i].output
        }
        return ForwardPass(input: input, layerInputs: layerInputs, caches: caches,
                           noise: isVariational ? noise : nil)
    }

    /// The loss of `pass` against `target` and its backward pass, accumulating every
    /// parameter's gradient into `gradients` (zero it first: it accumulates).
    @_specialize(exported: true, where S == Float)
    public func backward(
        _ pass: ForwardPass<S>, target: Matrix<S>, loss: Loss, beta: Double,
        into gradients: inout [DenseGradient<S>]
    ) -> BatchLoss {
        let (reconstructionLoss, dOutput) = loss.evaluate(prediction: pass.output, target: target)
        var d = dOutput
        for i in decoderIndices.reversed() {
            d = layers[i].backward(&d, input: pass.layerInputs[i], cache: pass.caches[i],
                                   gradient: &gradients[i])!
        }
        var kl = 0.0
        if let meanIndex, let logVarianceIndex, let noise = pass.noise {
            // d is dL/dz; z = μ + σ·ε with σ = exp(½·logσ²).
            let mean = pass.caches[meanIndex].output, logVariance = pass.caches[logVarianceIndex].output
            let klTerm = KLDivergence.evaluate(mean: mean, logVariance: logVariance)
            kl = klTerm.value
            let b = S(beta)
            var dMean = d, dLogVariance = d
            for k in d.storage.indices {
                let sigma = S.exponential(logVariance.storage[k] / 2)
                dMean.storage[k] = d.storage[k] + b * klTerm.dMean.storage[k]
                dLogVariance.storage[k] = d.storage[k] * noise.storage[k] * sigma / 2
                    + b * klTerm.dLogVariance.storage[k]
            }
            let hidden = pass.layerInputs[meanIndex]
            var dHidden = layers[meanIndex].backward(&dMean, input: hidden, cache: pass.caches[meanIndex],
                                                     gradient: &gradients[meanIndex])!
            let dFromLogVariance = layers[logVarianceIndex].backward(
                &dLogVariance, input: hidden, cache: pass.caches[logVarianceIndex],
                gradient: &gradients[logVarianceIndex])!
            for k in dHidden.storage.indices { dHidden.storage[k] += dFromLogVariance.storage[k] }
            d = dHidden
        }
        for i in encoderIndices.reversed() {
            // The first layer's dInput would be the gradient for the data: skip that product.
            guard let dInput = layers[i].backward(&d, input: pass.layerInputs[i], cache: pass.caches[i],
                                                  gradient: &gradients[i], needsInputGradient: i > 0)
            else { break }
            d = dInput
        }
        return BatchLoss(reconstruction: reconstructionLoss, kl: kl, total: reconstructionLoss + beta * kl)
    }

    /// The loss of a batch without gradients; a variational model uses its mean (no sampling)
    /// for the reconstruction and adds beta · KL.
    @_specialize(exported: true, where S == Float)
    public func evaluate(_ input: Matrix<S>, target: Matrix<S>, loss: Loss, beta: Double) -> BatchLoss {
        let (latent, logVariance) = encode(input)
        let reconstruction = loss.evaluate(prediction: decode(latent), target: target).value
        var kl = 0.0
        if let logVariance {
            kl = KLDivergence.evaluate(mean: latent, logVariance: logVariance).value
        }
        return BatchLoss(reconstruction: reconstruction, kl: kl, total: reconstruction + beta * kl)
    }

    /// Zero gradients shaped like every layer's parameters.
    @_specialize(exported: true, where S == Float)
    public func zeroGradients() -> [DenseGradient<S>] {
        layers.map { DenseGradient(zeroFor: $0) }
    }
}
