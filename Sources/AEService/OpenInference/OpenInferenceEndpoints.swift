// The Open Inference Protocol (KServe V2) beside the native routes. Each registry model `m` is
// published twice: `m` takes `input` and returns latent, reconstruction and error; `m.decoder`
// takes `latent` and returns `reconstruction`. Every non-200 answer is `{"error": "…"}`.
import AECheckpoint
import AEJSON
import AEMath
import Foundation
import HTTPServer

/// The name, datatype and shape (-1 for the batch) of a published tensor.
struct OIPTensorSpec: Sendable, Equatable {
    var name: String
    var shape: [Int]
    /// FP32 for every tensor but `is_anomaly` (BOOL).
    var datatype = "FP32"
}

/// A registry model version as OIP publishes it: the encoder-side model or the decoder.
struct OIPModel: Sendable {
    /// The name it is published under (`fashion-mnist` or `fashion-mnist.decoder`).
    var name: String
    var served: ServedModel
    var isDecoder: Bool

    /// The published name suffix of the decoder models.
    static let decoderSuffix = ".decoder"

    var inputs: [OIPTensorSpec] {
        let a = served.architecture
        return isDecoder ? [OIPTensorSpec(name: "latent", shape: [-1, a.latentDimension])]
                         : [OIPTensorSpec(name: "input", shape: [-1, a.inputDimension])]
    }

    var outputs: [OIPTensorSpec] {
        let a = served.architecture
        let reconstruction = OIPTensorSpec(name: "reconstruction", shape: [-1, a.inputDimension])
        if isDecoder { return [reconstruction] }
        var specs = [OIPTensorSpec(name: "latent", shape: [-1, a.latentDimension])]
        if served.model.isVariational { specs.append(OIPTensorSpec(name: "log_variance", shape: [-1, a.latentDimension])) }
        specs += [reconstruction, OIPTensorSpec(name: "reconstruction_error", shape: [-1]),
                  OIPTensorSpec(name: "anomaly_score", shape: [-1])]
        // Flags need a threshold, which only a calibrated version has.
        if served.calibration?[.mse] != nil { specs.append(OIPTensorSpec(name: "is_anomaly", shape: [-1], datatype: "BOOL")) }
        return specs
    }
}

extension Service {
    /// The version this server reports in `GET /v2` and `aeserve --version`.
    public static let version = "0.1.0"

    func addOpenInferenceRoutes(to router: inout Router) {
        oipRoute(&router, .get, "/v2") { _ in
            var body: [UInt8] = Array(#"{"name":"aeserve","version":"#.utf8)
            appendJSON(Service.version, to: &body)
            body += Array(#","extensions":["binary_tensor_data"]}"#.utf8)
            return jsonResponse(body)
        }
        oipRoute(&router, .get, "/v2/health/live") { _ in
            jsonResponse(Array(#"{"live":true}"#.utf8))
        }
        oipRoute(&router, .get, "/v2/health/ready") { [self] _ in
            try checkReady()
            return jsonResponse(Array(#"{"ready":true}"#.utf8))
        }
        for prefix in ["/v2/models/{model}", "/v2/models/{model}/versions/{version}"] {
            oipRoute(&router, .get, prefix) { [self] request in
                jsonResponse(metadata(of: try oipModel(request)))
            }
            oipRoute(&router, .get, prefix + "/ready") { [self] request in
                let model = try oipModel(request)
                try checkReady()
                var body: [UInt8] = Array(#"{"name":"#.utf8)
                appendJSON(model.name, to: &body)
                body += Array(#","ready":true}"#.utf8)
                return jsonResponse(body)
            }
            oipRoute(&router, .post, prefix + "/infer") { [self] request in
                try await infer(request)
            }
        }
    }

    /// Registers `handler` like every route, with OIP's `{"error": "…"}` body for failures.
    private func oipRoute(_ router: inout Router, _ method: HTTPMethod, _ pattern: String,
                          _ handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        route(&router, method, pattern, failure: { error in
            let (status, message) = (error as? OIPError).map { ($0.status, $0.message) } ?? (500, "\(error)")
            return HTTPResponse(status: HTTPStatus(status), headers: ["Content-Type": "application/json"],
                                body: oipErrorBody(message))
        }, handler)
    }

    /// 503 while draining or with no model loaded, as /readyz.
    private func checkReady() throws(OIPError) {
        if isDraining { throw OIPError(status: 503, message: "draining: the server is shutting down") }
        guard registry.hasModels else {
            throw OIPError(status: 503, message: "no model is loaded (\(registry.location))")
        }
    }

    /// The published model a request's `{model}` and `{version}` name.
    func oipModel(_ request: HTTPRequest) throws(OIPError) -> OIPModel {
        let name = request.parameter("model") ?? ""
        var version: Int?
        if let text = request.parameter("version") {
            switch ModelVersion.parse(text) {
            case .success(let number): version = number
            case .failure(let error):
                throw .invalid("model version '\(error.text)' is not a positive integer up to \(ModelVersion.highest): \(error.reason)")
            }
        }
        // A registry name wins; otherwise `<name>.decoder` is the decoder of `<name>`.
        var isDecoder = false
        var registryName = name
        if (try? registry.model(named: name)) == nil, name.hasSuffix(OIPModel.decoderSuffix) {
            registryName = String(name.dropLast(OIPModel.decoderSuffix.count))
            isDecoder = true
        }
        do {
            let served = try registry.model(named: registryName, version: version)
            return OIPModel(name: name, served: served, isDecoder: isDecoder)
        } catch {
            switch error {
            case .unknownModel(_, let available):
                let list = available.flatMap { [$0, $0 + OIPModel.decoderSuffix] }
                throw OIPError(status: 404, message: "unknown model '\(clipped(name))' (available: \(list.isEmpty ? "none" : list.joined(separator: ", ")))")
            case let .unknownVersion(_, version, available):
                throw OIPError(status: 404, message: "model '\(clipped(name))' has no version \(version) (available: \(available.map(String.init).joined(separator: ", ")))")
            case .unavailable, .notStored:
                throw OIPError(status: 503, message: error.description)
            }
        }
    }

    /// `{"name", "versions", "platform", "inputs", "outputs"}` for `model`.
    private func metadata(of model: OIPModel) -> [UInt8] {
        let versions = registry.snapshot().first { $0.name == model.served.name }?.versions.map(\.version) ?? [model.served.version]
        var body: [UInt8] = Array(#"{"name":"#.utf8)
        appendJSON(model.name, to: &body)
        body += Array(#","versions":[\#(versions.map { "\"\($0)\"" }.joined(separator: ","))],"platform":"aeserve""#.utf8)
        for (key, specs) in [("inputs", model.inputs), ("outputs", model.outputs)] {
            body += Array(#","\#(key)":["#.utf8)
            for (i, spec) in specs.enumerated() {
                if i > 0 { body.append(UInt8(ascii: ",")) }
                body += Array(#"{"name":"#.utf8)
                appendJSON(spec.name, to: &body)
                body += Array(#","datatype":"\#(spec.datatype)","shape":[\#(spec.shape.map(String.init).joined(separator: ","))]}"#.utf8)
            }
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// POST …/infer: one input, the outputs asked for, each JSON or binary as asked.
    private func infer(_ request: HTTPRequest) async throws(OIPError) -> HTTPResponse {
        let model = try oipModel(request)
        let parsed = try OIPInferRequest.parse(body: request.body,
                                               headerLengths: request.headers.values(OIPInferRequest.headerLengthField))
        let expected = model.inputs[0]
        let at = "model '\(model.name)' v\(model.served.version)"
        guard parsed.inputs.count == 1, let input = parsed.inputs.first, input.name == expected.name else {
            throw .invalid("\(at) takes one input '\(expected.name)'; got \(parsed.inputs.prefix(8).map { "'\(clipped($0.name))'" }.joined(separator: ", "))")
        }
        let width = expected.shape[1]
        guard input.shape.count == 2, input.shape[1] == width, input.shape[0] >= 1 else {
            throw .invalid("input '\(clipped(input.name))': shape \(input.shape) does not match [-1, \(width)] of \(at) (at least one row)")
        }
        let limit = configuration.limits.batchVectors
        guard input.shape[0] <= limit else {
            throw .invalid("input '\(clipped(input.name))' has \(input.shape[0]) rows; the limit is \(limit) per request (setting limits.batch_vectors)")
        }
        let available = model.outputs.map(\.name)
        let asked = parsed.outputs ?? available.map { OIPRequestedOutput(name: $0, binaryData: nil) }
        for output in asked where !available.contains(output.name) {
            let hint = output.name == "is_anomaly" && !model.isDecoder
                ? "; it needs a calibrated version: POST /models/\(model.served.name)/versions/\(model.served.version)/calibrate" : ""
            throw .invalid("\(at) has no output '\(clipped(output.name))' (outputs: \(available.joined(separator: ", ")))\(hint)")
        }

        let names = Set(asked.map(\.name))
        let operation: BatchOperation = model.isDecoder ? .decode
            : names.isDisjoint(with: ["reconstruction", "reconstruction_error", "anomaly_score", "is_anomaly"]) ? .encode : .reconstruct
        var threshold: AppliedThreshold?
        if names.contains("is_anomaly") {
            let requested: ScoreRequest.Threshold? = parsed.anomalyThreshold.map { .value($0) } ?? parsed.anomalyQuantile.map { .quantile($0) }
            do {
                threshold = try scoreThreshold(requested, kind: .mse, served: model.served)
            } catch {
                throw .invalid("parameters.anomaly_quantile: \(error.message)")
            }
        }
        let rows = input.shape[0]
        let result = await batcher.run(operation, model.served, Matrix(rows: rows, columns: width, values: input.values),
                                       busy: isBusy(request), company: request.othersInFlight)
        metrics.vectorsServed(rows, operation: operation.rawValue)
        let flags = threshold.map { t in result.errors.map { Double($0) > t.value } }
        if names.contains("anomaly_score") || flags != nil, result.errors.allSatisfy(\.isFinite) {
            metrics.scored(result.errors, anomalies: flags?.filter { $0 }.count ?? 0, model: model.served.name,
                           version: model.served.version, kind: .mse)
        }

        var outputs: [OIPOutputTensor] = []
        for output in asked {
            let binary = output.binaryData ?? parsed.binaryDataOutput
            let values: Matrix<Float>?
            switch output.name {
            case "latent": values = result.latent
            case "log_variance": values = result.logVariance
            case "reconstruction": values = result.reconstruction
            case "is_anomaly":
                outputs.append(OIPOutputTensor(name: output.name, shape: [rows], booleans: flags ?? [], binary: binary))
                continue
            default:  // reconstruction_error and anomaly_score: the per-vector MSE
                outputs.append(OIPOutputTensor(name: output.name, shape: [rows], values: result.errors, binary: binary))
                continue
            }
            guard let values else { throw OIPError(status: 500, message: "\(operation.rawValue) produced no \(output.name)") }
            outputs.append(OIPOutputTensor(name: output.name, shape: [values.rows, values.columns], values: values.storage, binary: binary))
        }
        let response = try OIPInferResponse(model: model.name, version: model.served.version, id: parsed.id, outputs: outputs)
        var headers: HTTPHeaders = [:]
        if let length = response.headerLength {
            headers.set(OIPInferRequest.headerLengthField, String(length))
            headers.set("Content-Type", "application/octet-stream")
        } else {
            headers.set("Content-Type", "application/json")
        }
        return HTTPResponse(status: .ok, headers: headers, body: response.body)
    }
}
