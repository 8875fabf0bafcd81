#pragma once

#include "core/ml/csv.h"
#include "core/ml/dataset.h"
#include "core/ml/mlresult.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace millrace::ml {

/// How a column's values are read.
enum class ColumnKind {
    Numeric,    ///< a number; as a feature standardised, as a label a regression target
    Categorical ///< a category name; as a feature one-hot encoded, as a label a class
};

/// One column of a table as the schema declares it.
struct ColumnSpec
{
    std::string name;
    ColumnKind kind = ColumnKind::Numeric;

    bool operator==(const ColumnSpec &) const = default;
};

/// Which columns of a CSV file a model uses and how: feature columns in the order their encoded
/// values appear in a sample, and the label column. Columns of the file not named here are
/// ignored.
struct TabularSchema
{
    std::vector<ColumnSpec> features;
    /// A categorical label makes a classification task, a numeric one a regression task.
    ColumnSpec label;

    /// Checks there is at least one feature and a label, and no name is used twice.
    Result<void> validate() const;

    /// A schema for `table` when only the label is known: every other column is a feature,
    /// numeric when each of its non-empty values reads as a number, else categorical. Fails
    /// when the table has no column `label.name`.
    static Result<TabularSchema> infer(const CsvTable &table, const ColumnSpec &label);
    bool operator==(const TabularSchema &) const = default;
};

/// What the preprocessing learnt about one feature column from the training rows.
struct FittedColumn
{
    std::string name;
    ColumnKind kind = ColumnKind::Numeric;
    /// Numeric: the training mean, subtracted before scaling.
    double mean = 0.0;
    /// Numeric: the training standard deviation (population, as scikit-learn's StandardScaler),
    /// or 1 when the column was constant.
    double scale = 1.0;
    /// Categorical: the categories seen in training, in one-hot order.
    std::vector<std::string> categories;

    bool operator==(const FittedColumn &) const = default;
};

/// A table turned into samples, with how many categorical values were not seen in training.
struct TabularTransform
{
    Dataset dataset;
    /// Categorical feature values not seen in training, each encoded as all zeros.
    std::size_t unseenCategoryCount = 0;
    /// The same count per column name, for columns that had any.
    std::map<std::string, std::size_t> unseenCategoriesByColumn;
};

/// The fitted preprocessing of a tabular model (seed 002's FeatureTools): standardises numeric
/// columns and one-hot encodes categorical ones with what it learnt from the training rows, so
/// training, evaluation and serving encode a row the same way. Saved with the model as JSON
/// and loaded back to give bit-identical transforms.
class TabularPreprocessor
{
public:
    /// Learns means, scales, categories and classes from `training` (the training part only,
    /// so nothing leaks from test data). Fails on a bad schema, a schema column missing from
    /// the table, no rows, a value that is not a number in a numeric column (naming its line
    /// and column), or a non-finite number.
    static Result<TabularPreprocessor> fit(const TabularSchema &schema, const CsvTable &training);

    /// Encodes every row of `table`, label included: a classification dataset whose classes
    /// are those seen in training, or a regression one. Fails, and returns nothing, on a
    /// missing column, a value that is not a number, or a class not seen in training.
    Result<TabularTransform> transform(const CsvTable &table) const;

    /// Encodes the features only, for scoring rows that have no label; the label column may be
    /// absent. The dataset is unlabelled.
    Result<TabularTransform> transformFeatures(const CsvTable &table) const;

    /// The schema it was fitted with.
    TabularSchema schema() const;
    /// What it learnt per feature column, in schema order.
    const std::vector<FittedColumn> &columns() const { return m_columns; }
    /// The label column as declared.
    const ColumnSpec &label() const { return m_label; }
    /// Classification: the class names in class-index order. Empty for regression.
    const std::vector<std::string> &classes() const { return m_classes; }
    /// Number of values in one encoded sample.
    std::size_t outputWidth() const;
    /// A name per encoded value: "age" for a numeric column, "colour=red" for a one-hot one.
    std::vector<std::string> outputNames() const;

    /// The fitted state as a JSON document (format "millrace.tabular-preprocessing", version 1).
    std::string toJson() const;
    /// Rebuilds a preprocessor from toJson's output; `sourceName` starts error messages.
    static Result<TabularPreprocessor> fromJson(std::string_view json,
                                                std::string_view sourceName = "preprocessing");
    /// Writes toJson() to `path` atomically.
    Result<void> save(const std::string &path) const;
    /// Reads a file written by save().
    static Result<TabularPreprocessor> load(const std::string &path);

    bool operator==(const TabularPreprocessor &) const = default;

private:
    TabularPreprocessor() = default; // only fit() and fromJson() make one
    Result<TabularTransform> encode(const CsvTable &table, bool withLabel) const;

    std::vector<FittedColumn> m_columns;
    ColumnSpec m_label;
    std::vector<std::string> m_classes;
};

} // namespace millrace::ml
