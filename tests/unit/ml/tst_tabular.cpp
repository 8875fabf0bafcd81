#include "core/ml/tabular.h"

#include "mlverify.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace millrace::ml;

namespace {

CsvTable table(const std::string &text, const std::string &name = "data.csv")
{
    Result<CsvTable> parsed = parseCsv(text, name);
    if (!parsed)
        qFatal("test CSV does not parse: %s", parsed.errorMessage().c_str());
    return std::move(parsed).value();
}

// Four rows: a numeric column, a categorical one, a constant numeric one, a class label.
const char *const fourRows = "age,colour,size,liked\n"
                             "1,red,10,yes\n"
                             "2,green,10,no\n"
                             "3,red,10,yes\n"
                             "4,blue,10,no\n";

TabularSchema fourRowSchema()
{
    return TabularSchema{{{"age", ColumnKind::Numeric},
                          {"colour", ColumnKind::Categorical},
                          {"size", ColumnKind::Numeric}},
                         {"liked", ColumnKind::Categorical}};
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

class TestTabular : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fitsAndTransformsByHand();
    void fitsOnTheTrainingRowsOnly();
    void unseenCategoriesEncodeAsZeros();
    void categoriesSortNumericallyWhenNumbers();
    void regressionLabel();
    void featuresOnlyWithoutLabelColumn();
    void stateRoundTripsExactly();
    void stateFileRoundTrip();
    void rejectsBadState_data();
    void rejectsBadState();
    void rejectsBadSchema_data();
    void rejectsBadSchema();
    void rejectsMissingColumns();
    void rejectsNonNumericValues_data();
    void rejectsNonNumericValues();
    void rejectsUnseenClass();
    void rejectsEmptyInput();
};

void TestTabular::fitsAndTransformsByHand()
{
    const CsvTable rows = table(fourRows);
    const Result<TabularPreprocessor> fitted = TabularPreprocessor::fit(fourRowSchema(), rows);
    ML_VERIFY_OK(fitted);

    // age: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    const FittedColumn &age = fitted->columns()[0];
    QCOMPARE(age.mean, 2.5);
    QCOMPARE(age.scale, std::sqrt(1.25));
    QCOMPARE(fitted->columns()[1].categories, (std::vector<std::string>{"blue", "green", "red"}));
    // A constant column keeps scale 1 instead of dividing by zero.
    QCOMPARE(fitted->columns()[2].mean, 10.0);
    QCOMPARE(fitted->columns()[2].scale, 1.0);
    QCOMPARE(fitted->classes(), (std::vector<std::string>{"no", "yes"}));
    QCOMPARE(fitted->outputWidth(), std::size_t(5));
    QCOMPARE(fitted->outputNames(), (std::vector<std::string>{"age", "colour=blue", "colour=green",
                                                              "colour=red", "size"}));

    const Result<TabularTransform> encoded = fitted->transform(rows);
    ML_VERIFY_OK(encoded);
    const Dataset &dataset = encoded->dataset;
    ML_VERIFY_OK(dataset.validate());
    QCOMPARE(dataset.size(), std::size_t(4));
    QCOMPARE(dataset.sampleShape, std::vector<std::int64_t>{5});
    QCOMPARE(dataset.task, TaskKind::Classification);
    QCOMPARE(dataset.classCount, std::int64_t(2));
    QCOMPARE(dataset.classNames, (std::vector<std::string>{"no", "yes"}));
    QCOMPARE(dataset.classLabels, (std::vector<std::int64_t>{1, 0, 1, 0}));
    QCOMPARE(encoded->unseenCategoryCount, std::size_t(0));

    // (x - 2.5) / sqrt(1.25): -1.3416408, -0.4472136, 0.4472136, 1.3416408.
    const float far = 1.3416408f;
    const float near = 0.4472136f;
    const std::vector<std::vector<float>> expected = {
        {-far, 0, 0, 1, 0}, {-near, 0, 1, 0, 0}, {near, 0, 0, 1, 0}, {far, 1, 0, 0, 0}};
    for (std::size_t row = 0; row < 4; ++row) {
        for (std::size_t column = 0; column < 5; ++column) {
            const float actual = dataset.features[row * 5 + column];
            QVERIFY2(std::abs(actual - expected[row][column]) < 1e-6f,
                     qPrintable(QStringLiteral("row %1 column %2: %3 instead of %4")
                                    .arg(row)
                                    .arg(column)
                                    .arg(actual)
                                    .arg(expected[row][column])));
        }
    }
}

void TestTabular::fitsOnTheTrainingRowsOnly()
{
    const CsvTable rows = table(fourRows);
    // Fitted on the first two rows: age mean 1.5, deviation 0.5; blue was never seen.
    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), rows.selectRows({0, 1}));
    ML_VERIFY_OK(fitted);
    QCOMPARE(fitted->columns()[0].mean, 1.5);
    QCOMPARE(fitted->columns()[0].scale, 0.5);
    QCOMPARE(fitted->columns()[1].categories, (std::vector<std::string>{"green", "red"}));

    const Result<TabularTransform> encoded = fitted->transform(rows);
    ML_VERIFY_OK(encoded);
    // Row 4 (age 4, blue): (4 - 1.5) / 0.5 = 5, colour all zeros.
    const std::vector<float> last(encoded->dataset.features.end() - 4,
                                  encoded->dataset.features.end());
    QCOMPARE(last, (std::vector<float>{5.0f, 0.0f, 0.0f, 0.0f}));
}

void TestTabular::unseenCategoriesEncodeAsZeros()
{
    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    const CsvTable later = table("liked,size,colour,age\n"
                                 "yes,10,purple,2.5\n"
                                 "no,10,green,2.5\n"
                                 "no,10,pink,2.5\n",
                                 "later.csv");
    const Result<TabularTransform> encoded = fitted->transform(later);
    ML_VERIFY_OK(encoded);
    // Columns are found by name, whatever their order in the file.
    QCOMPARE(encoded->dataset.features, (std::vector<float>{0, 0, 0, 0, 0, //
                                                            0, 0, 1, 0, 0, //
                                                            0, 0, 0, 0, 0}));
    QCOMPARE(encoded->unseenCategoryCount, std::size_t(2));
    QCOMPARE(encoded->unseenCategoriesByColumn,
             (std::map<std::string, std::size_t>{{"colour", 2}}));
}

void TestTabular::categoriesSortNumericallyWhenNumbers()
{
    const CsvTable rows = table("grade,score\n10,1\n2,2\n1,3\n2,4\n");
    const TabularSchema schema{{{"score", ColumnKind::Numeric}},
                               {"grade", ColumnKind::Categorical}};
    const Result<TabularPreprocessor> fitted = TabularPreprocessor::fit(schema, rows);
    ML_VERIFY_OK(fitted);
    QCOMPARE(fitted->classes(), (std::vector<std::string>{"1", "2", "10"}));
    const Result<TabularTransform> encoded = fitted->transform(rows);
    ML_VERIFY_OK(encoded);
    QCOMPARE(encoded->dataset.classLabels, (std::vector<std::int64_t>{2, 1, 0, 1}));
}

void TestTabular::regressionLabel()
{
    const CsvTable rows = table("x,y\n0,1.5\n2,-3\n4, 7e2\n");
    const TabularSchema schema{{{"x", ColumnKind::Numeric}}, {"y", ColumnKind::Numeric}};
    const Result<TabularPreprocessor> fitted = TabularPreprocessor::fit(schema, rows);
    ML_VERIFY_OK(fitted);
    QVERIFY(fitted->classes().empty());
    const Result<TabularTransform> encoded = fitted->transform(rows);
    ML_VERIFY_OK(encoded);
    ML_VERIFY_OK(encoded->dataset.validate());
    QCOMPARE(encoded->dataset.task, TaskKind::Regression);
    QCOMPARE(encoded->dataset.classCount, std::int64_t(0));
    QVERIFY(encoded->dataset.classLabels.empty());
    QCOMPARE(encoded->dataset.targets, (std::vector<float>{1.5f, -3.0f, 700.0f}));
}

void TestTabular::featuresOnlyWithoutLabelColumn()
{
    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    const Result<TabularTransform> encoded =
        fitted->transformFeatures(table("age,colour,size\n2.5,red,10\n", "score.csv"));
    ML_VERIFY_OK(encoded);
    ML_VERIFY_OK(encoded->dataset.validate());
    QVERIFY(!encoded->dataset.hasLabels());
    QCOMPARE(encoded->dataset.features, (std::vector<float>{0, 0, 0, 1, 0}));
    // The full transform needs the label.
    ML_VERIFY_FAILS(fitted->transform(table("age,colour,size\n2.5,red,10\n", "score.csv")),
                    "score.csv: column 'liked' named in the schema is missing");
}

void TestTabular::stateRoundTripsExactly()
{
    // Values whose mean and deviation need all 17 significant digits: a state written with
    // fewer would transform differently after loading.
    const CsvTable rows = table("a,b,c,label\n"
                                "0.1,x,1e-7,p\n"
                                "0.2,\"y, with comma\",3.3333333333333335,q\n"
                                "0.7,x,12345.678901234567,r\n"
                                "1.3,\"quote \"\"z\"\"\",-2.5e-3,p\n");
    const TabularSchema schema{
        {{"a", ColumnKind::Numeric}, {"b", ColumnKind::Categorical}, {"c", ColumnKind::Numeric}},
        {"label", ColumnKind::Categorical}};
    const Result<TabularPreprocessor> fitted = TabularPreprocessor::fit(schema, rows);
    ML_VERIFY_OK(fitted);

    const std::string json = fitted->toJson();
    QVERIFY(json.find("\"format\": \"millrace.tabular-preprocessing\"") != std::string::npos);
    const Result<TabularPreprocessor> loaded = TabularPreprocessor::fromJson(json);
    ML_VERIFY_OK(loaded);
    QVERIFY(*loaded == *fitted);
    QCOMPARE(loaded->schema(), schema);
    QCOMPARE(loaded->toJson(), json);

    const Result<TabularTransform> before = fitted->transform(rows);
    const Result<TabularTransform> after = loaded->transform(rows);
    ML_VERIFY_OK(before);
    ML_VERIFY_OK(after);
    QVERIFY(sameBits(before->dataset.features, after->dataset.features));
    QCOMPARE(after->dataset.classLabels, before->dataset.classLabels);
    QCOMPARE(after->dataset.classNames, before->dataset.classNames);
}

void TestTabular::stateFileRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("preprocessing.json")).toStdString();
    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    ML_VERIFY_OK(fitted->save(path));
    const Result<TabularPreprocessor> loaded = TabularPreprocessor::load(path);
    ML_VERIFY_OK(loaded);
    QVERIFY(*loaded == *fitted);

    const std::string missing = path + ".missing";
    ML_VERIFY_FAILS(TabularPreprocessor::load(missing), missing + ": cannot open");
    QFile broken(QString::fromStdString(path));
    QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
    broken.write("{\"format\": ");
    broken.close();
    ML_VERIFY_FAILS(TabularPreprocessor::load(path), path + ": not valid JSON");
}

void TestTabular::rejectsBadState_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");

    const QString label = QStringLiteral(R"("label": {"name": "l", "kind": "categorical",
                                            "classes": ["a", "b"]})");
    const QString numeric = QStringLiteral(R"({"name": "n", "kind": "numeric", "mean": 1,
                                              "std": 2})");
    const auto document = [&](const QString &features, const QString &labelPart) {
        return QStringLiteral(R"({"format": "millrace.tabular-preprocessing", "version": 1,
                                  "features": [%1], %2})")
            .arg(features, labelPart);
    };

    QTest::newRow("not json") << "feature table"
                              << "state: not valid JSON";
    QTest::newRow("not an object") << "[1, 2]"
                                   << "state: not a JSON object";
    QTest::newRow("other format") << R"({"format": "something-else", "version": 1})"
                                  << "format 'something-else' is not";
    QTest::newRow("newer version")
        << R"({"format": "millrace.tabular-preprocessing", "version": 2})"
        << "version 2 is not one this build reads";
    QTest::newRow("zero std") << document(
        QStringLiteral(R"({"name": "n", "kind": "numeric", "mean": 1, "std": 0})"), label)
                              << "feature 0 ('n'): 'std' must be positive";
    QTest::newRow("missing mean") << document(
        QStringLiteral(R"({"name": "n", "kind": "numeric", "std": 1})"), label)
                                  << "feature 0 ('n'): 'mean' is missing or not a number";
    QTest::newRow("unknown kind") << document(QStringLiteral(R"({"name": "n", "kind": "text"})"),
                                              label)
                                  << "kind 'text' is neither";
    QTest::newRow("duplicate category")
        << document(QStringLiteral(R"({"name": "c", "kind": "categorical",
                                       "categories": ["a", "a"]})"),
                    label)
        << "'categories' lists 'a' twice";
    QTest::newRow("no label") << document(numeric, QStringLiteral(R"("other": 1)"))
                              << "'label' is missing or not an object";
    QTest::newRow("no classes") << document(
        numeric, QStringLiteral(R"("label": {"name": "l", "kind": "categorical", "classes": []})"))
                                << "label: 'classes' is empty";
    QTest::newRow("label also a feature")
        << document(numeric, QStringLiteral(R"("label": {"name": "n", "kind": "numeric"})"))
        << "column 'n' both as a feature and as the label";
    QTest::newRow("no features") << document(QString(), label) << "declares no feature columns";
}

void TestTabular::rejectsBadState()
{
    QFETCH(QString, json);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(TabularPreprocessor::fromJson(json.toStdString(), "state"),
                    expected.toStdString());
}

void TestTabular::rejectsBadSchema_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no features") << 0 << "declares no feature columns";
    QTest::newRow("no label") << 1 << "declares no label column";
    QTest::newRow("duplicate feature") << 2 << "names column 'age' twice";
    QTest::newRow("label as feature") << 3 << "'liked' both as a feature and as the label";
}

void TestTabular::rejectsBadSchema()
{
    QFETCH(int, which);
    QFETCH(QString, expected);
    TabularSchema schema = fourRowSchema();
    if (which == 0)
        schema.features.clear();
    else if (which == 1)
        schema.label.name.clear();
    else if (which == 2)
        schema.features.push_back({"age", ColumnKind::Categorical});
    else
        schema.features.push_back({"liked", ColumnKind::Categorical});
    ML_VERIFY_FAILS(TabularPreprocessor::fit(schema, table(fourRows)), expected.toStdString());
}

void TestTabular::rejectsMissingColumns()
{
    const CsvTable noAgeNoSize = table("colour,liked\nred,yes\n", "partial.csv");
    ML_VERIFY_FAILS(TabularPreprocessor::fit(fourRowSchema(), noAgeNoSize),
                    "partial.csv: columns 'age', 'size' named in the schema are missing");

    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    ML_VERIFY_FAILS(fitted->transform(noAgeNoSize), "columns 'age', 'size'");
}

void TestTabular::rejectsNonNumericValues_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("problem");
    QTest::newRow("word") << "abc"
                          << "'abc' is not a number";
    QTest::newRow("empty") << ""
                           << "'' is not a number";
    QTest::newRow("number and text") << "12kg"
                                     << "'12kg' is not a number";
    QTest::newRow("comma decimal") << "\"1,5\""
                                   << "'1,5' is not a number";
    QTest::newRow("nan") << "nan"
                         << "'nan' is not a finite number";
    QTest::newRow("infinity") << "-inf"
                              << "'-inf' is not a finite number";
    QTest::newRow("too large") << "1e999"
                               << "'1e999' is out of range";
}

void TestTabular::rejectsNonNumericValues()
{
    QFETCH(QString, value);
    QFETCH(QString, problem);
    // The bad value sits on physical line 5: row 2 has a quoted field over two lines.
    const std::string text = "age,colour,size,liked\n"
                             "1,red,10,yes\n"
                             "2,\"dark\ngreen\",10,no\n"
                             "3,red,"
                             + value.toStdString() + ",yes\n";
    const std::string fragment = "data.csv line 5, column 'size': " + problem.toStdString();
    ML_VERIFY_FAILS(TabularPreprocessor::fit(fourRowSchema(), table(text)), fragment);

    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    ML_VERIFY_FAILS(fitted->transform(table(text)), fragment);
}

void TestTabular::rejectsUnseenClass()
{
    const Result<TabularPreprocessor> fitted =
        TabularPreprocessor::fit(fourRowSchema(), table(fourRows));
    ML_VERIFY_OK(fitted);
    ML_VERIFY_FAILS(fitted->transform(
                        table("age,colour,size,liked\n1,red,10,yes\n1,red,10,maybe\n", "new.csv")),
                    "new.csv line 3, column 'liked': class 'maybe' was not seen in training");
}

void TestTabular::rejectsEmptyInput()
{
    ML_VERIFY_FAILS(TabularPreprocessor::fit(fourRowSchema(), table("age,colour,size,liked\n")),
                    "data.csv: no rows to fit the preprocessing on");
    ML_VERIFY_FAILS(parseCsv("", "empty.csv"), "empty.csv: empty (no header line)");
}

QTEST_GUILESS_MAIN(TestTabular)
#include "tst_tabular.moc"
