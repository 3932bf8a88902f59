// Holds the Float32 engine to golden values from the NumPy reference (make_reference.py).
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

private struct Reference: Decodable {
    var format_version: Int
    var autoencoder: Case
    var variational: Case

    struct Case: Decodable {
        var architecture: Architecture
        var loss: Loss
        var beta: Double
        var layers: [LayerValues]
        var input: [[Double]]
        var noise: [[Double]]?
        var outputs: [String: [[Double]]]
        var reconstruction_loss: Double
        var kl: Double
        var total_loss: Double
        var gradients: [LayerValues]
        var adam: Steps
        var adamw: Steps
    }

    struct Steps: Decodable {
        var learning_rate: Double
        var weight_decay: Double
        var losses: [Double]
        var layers_after: [LayerValues]
    }

    static let supportedFormat = 1

    static func load() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "reference", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        guard reference.format_version == supportedFormat else {
            throw FixtureError("reference.json has format \(reference.format_version), tests expect \(supportedFormat): re-run make_reference.py")
        }
        return reference
    }
}

private struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Golden values from the NumPy reference")
struct GoldenReferenceTests {
    private static func cases() throws -> [(String, Reference.Case)] {
        let r = try Reference.load()
        return [("autoencoder", r.autoencoder), ("variational", r.variational)]
    }

    @Test("forward outputs, loss terms and every parameter gradient agree to 1e-5", arguments: ["autoencoder", "variational"])
    func forwardAndGradients(kind: String) throws {
        let c = try #require(try Self.cases().first { $0.0 == kind }?.1)
        let model: Autoencoder<Float> = try makeModel(c.architecture, c.layers)
        let input: Matrix<Float> = matrix(c.input)
        let encoded = model.encode(input)
        expectClose(encoded.latent.storage, try #require(c.outputs["latent"]).flatMap { $0.map(Float.init) },
                    rtol: 1e-5, atol: 1e-6, "\(kind) latent")
        if let logVariance = c.outputs["log_variance"] {
            expectClose(try #require(encoded.logVariance).storage, logVariance.flatMap { $0.map(Float.init) },
                        rtol: 1e-5, atol: 1e-6, "\(kind) log-variance")
        }
        let pass = model.forward(input, noise: c.noise.map { matrix($0) })
        expectClose(pass.output.storage, try #require(c.outputs["reconstruction"]).flatMap { $0.map(Float.init) },
                    rtol: 1e-5, atol: 1e-6, "\(kind) reconstruction")
        var gradients = model.zeroGradients()
        let loss = model.backward(pass, target: input, loss: c.loss, beta: c.beta, into: &gradients)
        expectClose([loss.reconstruction, loss.kl, loss.total], [c.reconstruction_loss, c.kl, c.total_loss],
                    rtol: 1e-5, atol: 1e-7, "\(kind) loss terms")
        for (i, (g, expected)) in zip(gradients, c.gradients).enumerated() {
            let name = Autoencoder<Float>.layerName(i, in: c.architecture)
            expectClose(g.weight.storage, expected.weight.flatMap { $0.map(Float.init) }, rtol: 1e-5, atol: 1e-6, "\(name).weight grad")
            expectClose(g.bias, expected.bias.map(Float.init), rtol: 1e-5, atol: 1e-6, "\(name).bias grad")
        }
    }

    @Test("three Adam and three AdamW steps reach the reference's parameters and losses",
          arguments: ["autoencoder", "variational"], [OptimizerKind.adam, .adamw])
    func optimizerSteps(kind: String, optimizer: OptimizerKind) throws {
        let c = try #require(try Self.cases().first { $0.0 == kind }?.1)
        let steps = optimizer == .adam ? c.adam : c.adamw
        var model: Autoencoder<Float> = try makeModel(c.architecture, c.layers)
        let input: Matrix<Float> = matrix(c.input)
        var state = Optimizer<Float>(settings: OptimizerSettings(kind: optimizer, learningRate: steps.learning_rate,
                                                                 weightDecay: steps.weight_decay), for: model.layers)
        var losses: [Double] = []
        var gradients = model.zeroGradients()
        for _ in 0..<steps.losses.count {
            let pass = model.forward(input, noise: c.noise.map { matrix($0) })
            for i in gradients.indices { gradients[i].zero() }
            losses.append(model.backward(pass, target: input, loss: c.loss, beta: c.beta, into: &gradients).total)
            state.update(&model.layers, with: gradients)
        }
        expectClose(losses, steps.losses, rtol: 1e-5, atol: 1e-7, "\(kind) \(optimizer) losses")
        for (i, (layer, expected)) in zip(model.layers, steps.layers_after).enumerated() {
            let name = Autoencoder<Float>.layerName(i, in: c.architecture)
            expectClose(layer.weight.storage, expected.weight.flatMap { $0.map(Float.init) }, rtol: 1e-5, atol: 1e-6,
                        "\(name).weight after \(optimizer)")
            expectClose(layer.bias, expected.bias.map(Float.init), rtol: 1e-5, atol: 1e-6, "\(name).bias after \(optimizer)")
        }
    }
}
