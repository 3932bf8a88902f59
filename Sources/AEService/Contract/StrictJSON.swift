// Decoding train-job bodies with Codable while refusing unknown fields, which JSONDecoder
// would silently ignore, and turning decoding failures into messages that name the field.
import Foundation

/// Which keys each object of a train-job body may hold.
enum TrainingJobSchema {
    static let top: Set<String> = ["model", "architecture", "base_version", "dataset", "training", "activate"]
    static let architecture: Set<String> = ["kind", "input_dim", "encoder", "decoder", "latent_dim"]
    static let layer: Set<String> = ["units", "activation"]
    static let dataset: Set<String> = ["path", "format", "vectors", "limit"]
    static let training: Set<String> = ["epochs", "batch_size", "optimizer", "learning_rate", "loss", "validation_split",
                                        "seed", "noise", "beta", "clip_norm", "early_stopping", "weight_decay", "momentum"]
    static let earlyStopping: Set<String> = ["patience", "min_delta"]

    /// The first unknown key of `object`, with its path (`training.epoch`), or nil.
    static func unknownKey(in object: [String: Any]) -> (path: String, allowed: Set<String>)? {
        if let bad = extra(object, top, "") { return bad }
        if let a = object["architecture"] as? [String: Any] {
            if let bad = extra(a, architecture, "architecture.") { return bad }
            for stack in ["encoder", "decoder"] {
                for (i, layer) in ((a[stack] as? [Any]) ?? []).enumerated() {
                    if let layer = layer as? [String: Any], let bad = extra(layer, Self.layer, "architecture.\(stack)[\(i)].") { return bad }
                }
            }
        }
        if let d = object["dataset"] as? [String: Any], let bad = extra(d, dataset, "dataset.") { return bad }
        if let t = object["training"] as? [String: Any] {
            if let bad = extra(t, training, "training.") { return bad }
            if let e = t["early_stopping"] as? [String: Any], let bad = extra(e, earlyStopping, "training.early_stopping.") { return bad }
        }
        return nil
    }

    private static func extra(_ object: [String: Any], _ allowed: Set<String>, _ prefix: String) -> (String, Set<String>)? {
        object.keys.sorted().first { !allowed.contains($0) }.map { (prefix + $0, allowed) }
    }
}
