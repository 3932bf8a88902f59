// How well scores separate anomalies from normal vectors: the ranking measures (AUROC,
// AUPRC) and the rates at one threshold. Anomalies are the positive class; higher scores
// mean more anomalous.

/// Ranking and threshold measures of anomaly scores against known labels.
public struct DetectionMetrics: Sendable, Equatable, Codable {
    /// Area under the ROC curve: the probability that an anomaly scores above a normal vector
    /// (ties count one half).
    public var auroc: Double
    /// Average precision, Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores, high to low.
    public var auprc: Double
    /// Share of normal vectors above the threshold (false alarms), and of anomalies (caught).
    public var falsePositiveRate: Double, truePositiveRate: Double
    /// The threshold the rates are for, and the counts behind them.
    public var threshold: Double
    public var normalCount: Int, anomalyCount: Int

    enum CodingKeys: String, CodingKey {
        case auroc, auprc, threshold
        case falsePositiveRate = "false_positive_rate"
        case truePositiveRate = "true_positive_rate"
        case normalCount = "normal_count"
        case anomalyCount = "anomaly_count"
    }

    /// The measures of `scores` where `isAnomaly[i]` says whether vector i is an anomaly;
    /// a vector is flagged when its score is above `threshold`. Needs both classes present.
    ///
    /// reference: scikit-learn `roc_auc_score` and `average_precision_score` (same definitions).
    public init(scores: [Float], isAnomaly: [Bool], threshold: Double) throws(CalibrationError) {
        precondition(scores.count == isAnomaly.count, "one label per score")
        let positives = isAnomaly.filter { $0 }.count, negatives = scores.count - positives
        guard positives > 0, negatives > 0 else {
            throw CalibrationError("""
                AUROC needs both normal vectors and anomalies; the labels give \(negatives) normal and \(positives) anomalous
                """)
        }
        // Descending by score; equal scores form one group (one threshold step).
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, falsePositives = 0
        var rankSum = 0.0     // Σ over anomalies of the normal vectors ranked below them
        var precisionSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            var groupPositives = 0, groupNegatives = 0
            while end < order.count, scores[order[end]] == scores[order[start]] {
                if isAnomaly[order[end]] { groupPositives += 1 } else { groupNegatives += 1 }
                end += 1
            }
            // Each anomaly in the group beats the normal vectors below the group and ties
            // with the group's own normal vectors.
            let below = negatives - falsePositives - groupNegatives
            rankSum += Double(groupPositives) * (Double(below) + Double(groupNegatives) / 2)
            truePositives += groupPositives
            falsePositives += groupNegatives
            if groupPositives > 0 {
                precisionSum += Double(groupPositives) * Double(truePositives) / Double(truePositives + falsePositives)
            }
            start = end
        }
        auroc = rankSum / (Double(positives) * Double(negatives))
        auprc = precisionSum / Double(positives)
        var flaggedNormal = 0, flaggedAnomalies = 0
        for (score, anomalous) in zip(scores, isAnomaly) where Double(score) > threshold {
            if anomalous { flaggedAnomalies += 1 } else { flaggedNormal += 1 }
        }
        falsePositiveRate = Double(flaggedNormal) / Double(negatives)
        truePositiveRate = Double(flaggedAnomalies) / Double(positives)
        self.threshold = threshold
        normalCount = negatives
        anomalyCount = positives
    }
}
