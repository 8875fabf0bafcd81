#include "core/training/trainingdata.h"

#include "core/ml/csv.h"
#include "core/ml/idx.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"

namespace millrace::training {

namespace {

Error mlError(const ml::Error &error)
{
    return fail(QString::fromStdString(error.message));
}

Result<TrainingData> loadFashionMnist(const DataSpec &spec)
{
    const std::string directory =
        spec.path.isEmpty() ? ml::fashionMnistDefaultDirectory() : spec.path.toStdString();
    auto train = ml::readFashionMnist(directory, ml::FashionMnistPart::Train);
    if (!train)
        return mlError(train.error());
    auto test = ml::readFashionMnist(directory, ml::FashionMnistPart::Test);
    if (!test)
        return mlError(test.error());
    TrainingData data;
    if (spec.trainLimit > 0 && std::size_t(spec.trainLimit) < train->size()) {
        // A seeded draw of `trainLimit` images, the same for the same seed.
        const double share = double(spec.trainLimit) / double(train->size());
        auto split = ml::splitIndices(train->size(), {1 - share, share, 0}, spec.splitSeed);
        if (!split)
            return mlError(split.error());
        data.train = train->subset(split->test);
    } else {
        data.train = std::move(*train);
    }
    data.test = std::move(*test);
    data.description = QStringLiteral("fashion-mnist %1, %2 train / %3 test")
                           .arg(QString::fromStdString(directory))
                           .arg(data.train.size())
                           .arg(data.test.size());
    return data;
}

Result<TrainingData> loadCsv(const DataSpec &spec)
{
    auto table = ml::readCsvFile(spec.path.toStdString());
    if (!table)
        return mlError(table.error());
    // Only a label named: every other column is a feature, its kind read from its values.
    ml::TabularSchema schema = spec.schema;
    if (schema.features.empty()) {
        auto inferred = ml::TabularSchema::infer(*table, schema.label);
        if (!inferred)
            return mlError(inferred.error());
        schema = std::move(*inferred);
    }
    if (auto valid = schema.validate(); !valid)
        return mlError(valid.error());
    auto split = ml::splitIndices(table->rows.size(), spec.split, spec.splitSeed);
    if (!split)
        return mlError(split.error());
    if (split->train.empty() || split->test.empty())
        return fail(QStringLiteral("%1: %2 rows are too few to split into training and test rows")
                        .arg(spec.path)
                        .arg(table->rows.size()));
    const ml::CsvTable trainRows = table->selectRows(split->train);
    auto preprocessor = ml::TabularPreprocessor::fit(schema, trainRows);
    if (!preprocessor)
        return mlError(preprocessor.error());
    auto train = preprocessor->transform(trainRows);
    if (!train)
        return mlError(train.error());
    auto test = preprocessor->transform(table->selectRows(split->test));
    if (!test)
        return mlError(test.error());
    TrainingData data;
    data.train = std::move(train->dataset);
    data.test = std::move(test->dataset);
    data.preprocessing = preprocessor->toJson();
    data.description = QStringLiteral("csv %1, %2 train / %3 test")
                           .arg(spec.path)
                           .arg(data.train.size())
                           .arg(data.test.size());
    return data;
}

} // namespace

Result<TrainingData> loadTrainingData(const DataSpec &spec)
{
    return spec.kind == DataSpec::Kind::Csv ? loadCsv(spec) : loadFashionMnist(spec);
}

} // namespace millrace::training
