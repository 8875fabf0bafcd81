#pragma once

#include "core/base/result.h"
#include "core/ml/dataset.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace millrace::streams {

/// How one decoded message (the JSON object a MessageCodec makes of a payload) becomes a
/// training sample: which field holds the features, the label and the message id, the shape
/// the features take, and how raw values are scaled. It is saved in every batch's manifest and
/// given to drain tasks as a parameter, so it reads and writes JSON. The defaults describe
/// Fashion-MNIST samples as the shipped pipeline publishes them.
struct RecordLayout
{
    /// Field holding the features: a flat array of numbers, row-major.
    QString featuresField = QStringLiteral("image");
    /// Field holding the class index (classification) or the target value (regression).
    QString labelField = QStringLiteral("label");
    /// Field holding the message's own id (a string or an integer), kept per sample for
    /// lineage and duplicate checks; empty when messages carry none.
    QString idField = QStringLiteral("id");
    ml::TaskKind task = ml::TaskKind::Classification;
    /// Shape of one sample's features; the array must hold their product of values.
    std::vector<std::int64_t> sampleShape{28, 28};
    /// Number of classes (classification); labels must be in [0, classCount).
    std::int64_t classCount = 10;
    /// Optional display names of the classes, classCount of them when present.
    QStringList classNames;
    /// Every feature value is multiplied by this: 1/255 turns raw 0–255 pixels into [0, 1]
    /// exactly as the IDX loader does.
    double scale = 1.0 / 255.0;

    /// Fashion-MNIST: 28×28 pixels 0–255 in "image", class 0–9 in "label" with the class
    /// names, message id in "id".
    static RecordLayout fashionMnist();

    /// Values in one sample: the product of sampleShape (0 when the shape is invalid).
    std::size_t featureCount() const;
    /// Names the first setting that cannot work (an empty field name, a non-positive
    /// dimension, fewer than two classes, a scale of 0, ...).
    Result<void> validate() const;

    /// The layout as JSON, e.g. for a batch manifest or a task's parameters.
    QJsonObject toJson() const;
    /// A layout from toJson()'s form; keys left out keep their defaults, keys of the wrong type
    /// and layouts that fail validate() are refused, naming the key.
    static Result<RecordLayout> fromJson(const QJsonObject &json);

    /// Reads a classification sample from `record`: appends its featureCount() scaled values
    /// to `features` (so a batch's buffer grows without a copy per sample) and sets
    /// `classIndex`. On failure leaves both unchanged and says what is wrong, e.g. "missing
    /// label", "label 12 outside [0, 10)", "image has 783 values, expected 784", "image value
    /// 'x' at 17 is not a number".
    Result<void> toSample(const QJsonObject &record, std::vector<float> &features,
                          std::int64_t &classIndex) const;
    /// Reads a regression sample as above, setting `target`.
    Result<void> toSample(const QJsonObject &record, std::vector<float> &features,
                          float &target) const;
    /// The record's id as text: a string as it is, an integer (up to 64 bits) in decimal. Empty
    /// when the layout has no id field or the record lacks it; fails for other types and for ids
    /// holding a line break (ids are stored one per line).
    Result<QString> idOf(const QJsonObject &record) const;

    bool operator==(const RecordLayout &) const = default;
};

} // namespace millrace::streams
