#pragma once

#include "core/base/result.h"
#include "core/ml/hyperparameters.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"
#include "core/ml/trainer.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace millrace::training {

/// Where a training job's data comes from.
struct DataSpec
{
    enum class Kind {
        FashionMnist, ///< the IDX files of the dataset-fashion-mnist package (or a copy)
        Csv           ///< a CSV file read with a declared schema
    };
    Kind kind = Kind::FashionMnist;
    /// FashionMnist: the folder of the four IDX files ("" for the package's).
    /// Csv: the file.
    QString path;
    /// FashionMnist: train on this many images drawn with the split seed (0: all 60,000); the
    /// package's own 10,000 test images are the test set.
    qsizetype trainLimit = 0;
    /// Csv: the columns used and how (with no features, every column but the label is one, its
    /// kind read from its values); its rows are split train / test with `split`.
    ml::TabularSchema schema;
    ml::SplitFractions split{0.8, 0.2, 0.0};
    std::uint64_t splitSeed = 42;
};

/// A hyperparameter search instead of one training: `trials` nested runs under a parent run.
struct SearchSpec
{
    QString method = QStringLiteral("tpe"); ///< "random" or "tpe"
    int trials = 8;
    /// Trials trained at the same time, at most one per core (each with cores / parallel
    /// intra-op threads).
    int parallel = 1;
    /// Names (architecture and training hyperparameters) the search varies; empty: all of
    /// them. The others keep the request's values.
    QStringList vary;
};

/// One training job as the Train dialog, `millrace train --config` and the scheduler ask for it.
struct TrainingRequest
{
    QString experimentName = QStringLiteral("Default");
    QString runName; ///< "" for a generated name
    DataSpec data;
    QString architectureId = QStringLiteral("image-cnn");
    ml::Hyperparameters architectureHyperparameters;
    ml::TrainingOptions training;
    std::optional<SearchSpec> search;
    /// Initial weights (fixed by seed) and the data's split.
    std::uint64_t seed = 42;
};

/// Reads a request from JSON (the format of `millrace train --config FILE`; see README):
/// {"experiment": "...", "run_name": "...",
///  "data": {"kind": "fashion-mnist", "path": "...", "train_limit": 12000}
///       or {"kind": "csv", "path": "x.csv", "features": [{"name": "a", "kind": "numeric"}, ...],
///           "label": {"name": "y", "kind": "categorical"}, "test_fraction": 0.2},
///  "architecture": "image-cnn", "hyperparameters": {"base_width": 16, ...},
///  "training": {"epochs": 5, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.001,
///               "schedule": "constant", "validation_fraction": 0.1, "patience": 0,
///               "threads": 0, "device": "auto", ...},
///  "search": {"method": "tpe", "trials": 8, "parallel": 1, "vary": ["learning_rate"]},
///  "seed": 42}
/// Fails, naming the field, on a missing or mistyped one; unknown fields are refused too, so a
/// typo does not silently train with a default.
Result<TrainingRequest> requestFromJson(const QJsonObject &json);

/// The request as JSON, in the format requestFromJson() reads.
QJsonObject requestToJson(const TrainingRequest &request);

} // namespace millrace::training
