// Micro-batching: requests scored together give each caller exactly the outputs it would get
// alone, passes are actually merged when requests come at once, a request with rows the model
// cannot encode fails alone without failing the others it was batched with, and two model
// versions are never mixed in one pass.

#include "core/ml/model.h"
#include "core/ml/tabular.h"
#include "core/serving/microbatcher.h"
#include "core/serving/servedmodel.h"
#include "plugins/tabularmlp/mlparchitecture.h"

#include <QTest>

#include <cmath>
#include <random>
#include <thread>

using namespace millrace;
using namespace millrace::serving;
using namespace Qt::StringLiterals;

namespace {

constexpr int kFeatures = 6;

const ml::Architecture &mlp()
{
    static const models::MlpArchitecture architecture;
    return architecture;
}

// A classifier of kFeatures numbers into 3 classes; `seed` makes its weights.
std::shared_ptr<const ServedModel> tensorModel(qint64 version, std::uint64_t seed)
{
    ml::ModelSignature signature;
    signature.sampleShape = {kFeatures};
    signature.outputs = 3;
    auto model = ml::Model::create(mlp(), {}, signature, seed);
    if (!model)
        return nullptr;
    auto served = ServedModel::fromModel(*model, u"m"_s, version, 2);
    return served ? *served : nullptr;
}

// A classifier of table rows (a number and a colour) with the preprocessing fitted on them.
std::shared_ptr<const ServedModel> tableModel()
{
    ml::CsvTable table;
    table.header = {"size", "colour", "label"};
    table.rows = {{"1.5", "red", "a"}, {"2.5", "blue", "b"}, {"0.5", "red", "a"}};
    table.rowLines = {2, 3, 4};
    ml::TabularSchema schema{
        {{"size", ml::ColumnKind::Numeric}, {"colour", ml::ColumnKind::Categorical}},
        {"label", ml::ColumnKind::Categorical}};
    auto preprocessor = ml::TabularPreprocessor::fit(schema, table);
    if (!preprocessor)
        return nullptr;
    ml::ModelSignature signature;
    signature.sampleShape = {std::int64_t(preprocessor->outputWidth())};
    signature.outputs = 2;
    auto model = ml::Model::create(mlp(), {}, signature, 7);
    if (!model)
        return nullptr;
    model->setPreprocessing(preprocessor->toJson());
    auto served = ServedModel::fromModel(*model, u"t"_s, 1, 1);
    return served ? *served : nullptr;
}

// Equal up to rounding: a larger pass may add the same products in another order.
bool same(const std::vector<float> &a, const std::vector<float> &b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::abs(a[i] - b[i]) > 1e-5f * std::max(1.0f, std::abs(a[i])))
            return false;
    }
    return true;
}

ScoringBatch randomRows(qint64 rows, std::mt19937 &random)
{
    std::uniform_real_distribution<float> value(-2, 2);
    ScoringBatch batch;
    batch.rows = rows;
    for (qint64 i = 0; i < rows * kFeatures; ++i)
        batch.values.push_back(value(random));
    return batch;
}

ScoringBatch tableRows(const std::vector<QString> &cells)
{
    ScoringBatch batch;
    batch.rows = qint64(cells.size() / 2);
    batch.cells = cells;
    return batch;
}

} // namespace

class TestMicroBatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachCallerGetsItsOwnOutputs();
    void aBadRequestFailsAlone();
    void versionsAreNeverMixed();
};

void TestMicroBatcher::eachCallerGetsItsOwnOutputs()
{
    const auto model = tensorModel(1, 42);
    QVERIFY(model);
    // Eight callers at once, up to eight rows a pass: a pass starts as soon as they are all in.
    MicroBatcher batcher(8, std::chrono::milliseconds(200));
    constexpr int kCallers = 8;
    constexpr int kRequests = 25;
    std::vector<int> mismatches(kCallers, 0);
    std::vector<std::thread> callers;
    for (int caller = 0; caller < kCallers; ++caller) {
        callers.emplace_back([&, caller] {
            std::mt19937 random(caller);
            for (int i = 0; i < kRequests; ++i) {
                const ScoringBatch batch = randomRows(1 + (i % 2), random);
                const auto alone = model->predict(batch);
                const auto batched = batcher.predict(model, batch);
                if (!alone || !batched || !same(*alone, *batched))
                    ++mismatches[std::size_t(caller)];
            }
        });
    }
    for (std::thread &thread : callers)
        thread.join();
    QCOMPARE(mismatches, std::vector<int>(kCallers, 0));
    QVERIFY2(
        batcher.passCount() < quint64(kCallers * kRequests),
        qPrintable(
            u"%1 passes for %2 requests"_s.arg(batcher.passCount()).arg(kCallers * kRequests)));
}

void TestMicroBatcher::aBadRequestFailsAlone()
{
    const auto model = tableModel();
    QVERIFY(model);
    MicroBatcher batcher(64, std::chrono::milliseconds(100));
    const ScoringBatch good = tableRows({u"1.0"_s, u"red"_s, u"2.0"_s, u"blue"_s});
    const ScoringBatch bad = tableRows({u"not a number"_s, u"red"_s});
    const auto expected = model->predict(good);
    QVERIFY(expected);
    Result<std::vector<float>> goodAnswer = fail(u"not scored"_s);
    Result<std::vector<float>> badAnswer = fail(u"not scored"_s);
    std::thread first([&] { goodAnswer = batcher.predict(model, good); });
    std::thread second([&] { badAnswer = batcher.predict(model, bad); });
    first.join();
    second.join();
    QVERIFY2(goodAnswer, qPrintable(goodAnswer.errorMessage()));
    QVERIFY(same(*goodAnswer, *expected));
    QVERIFY(!badAnswer);
    QVERIFY2(badAnswer.errorMessage().contains(u"not a number"_s),
             qPrintable(badAnswer.errorMessage()));
    QCOMPARE(badAnswer.error().code, u"INVALID_PARAMETER_VALUE"_s);
}

void TestMicroBatcher::versionsAreNeverMixed()
{
    const auto one = tensorModel(1, 1);
    const auto two = tensorModel(2, 2);
    QVERIFY(one && two);
    MicroBatcher batcher(64, std::chrono::milliseconds(50));
    std::mt19937 random(3);
    const ScoringBatch batch = randomRows(3, random);
    const auto expectedOne = one->predict(batch);
    const auto expectedTwo = two->predict(batch);
    QVERIFY(expectedOne && expectedTwo && *expectedOne != *expectedTwo);
    std::vector<int> wrong(8, 0);
    std::vector<std::thread> callers;
    for (int caller = 0; caller < 8; ++caller) {
        callers.emplace_back([&, caller] {
            const auto &model = caller % 2 ? two : one;
            const auto &expected = caller % 2 ? *expectedTwo : *expectedOne;
            for (int i = 0; i < 10; ++i) {
                const auto outputs = batcher.predict(model, batch);
                if (!outputs || !same(*outputs, expected))
                    ++wrong[std::size_t(caller)];
            }
        });
    }
    for (std::thread &thread : callers)
        thread.join();
    QCOMPARE(wrong, std::vector<int>(8, 0));
}

QTEST_GUILESS_MAIN(TestMicroBatcher)
#include "tst_microbatcher.moc"
