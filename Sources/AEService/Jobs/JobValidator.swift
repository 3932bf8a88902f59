// Everything about a job request that can be checked before it is queued, against the limits
// of the configuration, so that a bad job is refused at once and never reaches a worker.
import AEData
import AEModel
import AETraining
import AECheckpoint
import AEJSON

/// The limits a job request must keep, each a setting named in its refusal.
public struct JobLimits: Sendable, Equatable {
    /// Largest inline dataset, in vectors (`training.max_inline_vectors`).
    public var maxInlineVectors = 100_000
    /// Largest model, in trainable values (`training.max_parameters`).
    public var maxParameters = 20_000_000
    /// Most dense layers, encoder and decoder together (`training.max_layers`).
    public var maxLayers = 64
    /// Most activations one batch may hold: batch_size × (input_dim + every layer's units)
    /// (`training.max_batch_activations`).
    public var maxBatchActivations = 64 << 20
    /// Most epochs (`training.max_epochs`).
    public var maxEpochs = 10_000

    /// The defaults.
    public init() {}
}

/// Checks job requests against `limits` and the data roots.
struct JobValidator: Sendable {
    var limits: JobLimits
    var dataRoots: DataRoots
    var uploads: @Sendable (String) -> UploadedFile?
    /// The input width of a served version, or a refusal naming why it cannot be fine-tuned.
    var baseWidth: @Sendable (_ model: String, _ version: Int) throws(JobError) -> Int

    func validate(_ request: TrainingJobRequest) throws(JobError) {
        do { try ModelStore.validate(request.model) } catch {
            // The name is the client's: quoted back cut short.
            guard case .invalidModelName(_, let reason) = error else {
                throw .invalid(code: "invalid_model_name", message: "model: \(error.description)")
            }
            throw .invalid(code: "invalid_model_name", message: """
                model: '\(clipped(request.model))' is not a model name: \(reason); use letters, digits, '-', '_' \
                and '.', not starting with '.'
                """)
        }
        do { try request.training.validate() } catch {
            throw .invalid(code: "invalid_training_options", message: "training: \(error.description)")
        }
        guard request.training.epochs <= limits.maxEpochs else {
            throw .invalid(code: "invalid_training_options", message: """
                training.epochs is \(request.training.epochs); the limit is \(limits.maxEpochs) (setting training.max_epochs)
                """)
        }
        let width: Int
        switch (request.architecture, request.baseVersion) {
        case (nil, nil):
            throw .invalid(code: "missing_architecture", message: "give architecture (a new model) or base_version (fine-tune)")
        case (.some, .some):
            throw .invalid(code: "conflicting_fields", message: "give architecture or base_version, not both")
        case (.some(let architecture), nil):
            try check(architecture, batchSize: request.training.batchSize)
            width = architecture.inputDimension
        case (nil, .some(let version)):
            width = try baseWidth(request.model, version)
        }
        try Self.checkDataset(request.dataset, width: width, resolver: DatasetResolver(roots: dataRoots, uploads: uploads),
                              maxInlineVectors: limits.maxInlineVectors)
        // Labels are read now (a small file) and held against the samples' count, so that a
        // bad labels file is refused with the job, not by its worker minutes later.
        do {
            try DatasetResolver(roots: dataRoots, uploads: uploads).checkLabels(contentsOf: request.dataset)
        } catch {
            throw .invalid(code: "invalid_dataset", message: "dataset: \(error)")
        }
    }

    /// The checks every dataset a client names must pass before its data is read — a job's and
    /// a calibration's alike: its form (one of path, id and vectors), its path or id, inline
    /// vectors against `width` and against `training.max_inline_vectors`.
    static func checkDataset(_ dataset: DatasetSpec, width: Int?, resolver: DatasetResolver,
                             maxInlineVectors: Int) throws(JobError) {
        do { try resolver.check(dataset, width: width) } catch { throw JobError(error) }
        if let vectors = dataset.vectors, vectors.count > maxInlineVectors {
            throw .invalid(code: "dataset_too_large", message: """
                dataset.vectors has \(vectors.count) vectors; the limit is \(maxInlineVectors) \
                (setting training.max_inline_vectors); upload the data (POST /datasets) or use a file under a data root
                """)
        }
    }

    /// The limit on layers, the architecture's own rules, then the limits on parameters and
    /// activations.
    private func check(_ architecture: Architecture, batchSize: Int) throws(JobError) {
        let layers = architecture.encoder.count + architecture.decoder.count
        guard layers <= limits.maxLayers else {
            throw .invalid(code: "model_too_large", message: """
                architecture has \(layers) layers; the limit is \(limits.maxLayers) (setting training.max_layers)
                """)
        }
        do { try architecture.validate() } catch {
            throw .invalid(code: "invalid_architecture", message: "architecture: \(error.description)")
        }
        // Architecture.validate bounds every width, so these sums and products cannot overflow;
        // they are checked anyway, as every size a client sends is.
        let size = architecture.size
        guard let parameters = size.parameters, parameters <= limits.maxParameters else {
            throw .invalid(code: "model_too_large", message: """
                architecture has \(size.parameters.map(String.init) ?? "more than 2^63") parameters; the limit is \
                \(limits.maxParameters) (setting training.max_parameters)
                """)
        }
        let (activations, overflow) = size.activationsPerSample.multipliedReportingOverflow(by: batchSize)
        guard !overflow, activations <= limits.maxBatchActivations else {
            throw .invalid(code: "batch_too_large", message: """
                a batch of \(batchSize) holds \(overflow ? "more than 2^63" : String(activations)) activations \
                (batch_size × \(size.activationsPerSample) values per sample); the limit is \
                \(limits.maxBatchActivations) (setting training.max_batch_activations); lower training.batch_size
                """)
        }
    }
}

extension JobError {
    /// The refusal of a dataset the resolver found wrong, under the code a client sees.
    init(_ error: DatasetSpecError) {
        switch error.kind {
        case .notFound: self = .invalid(code: "dataset_not_found", message: error.description)
        case .refused: self = .pathRefused(error.description)
        case .missing: self = .invalid(code: "missing_dataset", message: error.description)
        case .conflicting: self = .invalid(code: "conflicting_fields", message: error.description)
        case .invalid: self = .invalid(code: "invalid_dataset", message: error.description)
        }
    }
}
