#include "core/training/challenger.h"

#include "core/ml/trainer.h"
#include "core/training/registeredmodels.h"
#include "core/training/traininglog.h"

#include <QJsonObject>

#include <cmath>

namespace millrace::training {

namespace {

QString text(const std::string &message)
{
    return QString::fromStdString(message);
}

// A finite number, or null (JSON has no NaN).
QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

// The figures of one model on the test set, and its JSON summary for the history.
struct Scored
{
    ml::ClassificationReport classification;
    ml::RegressionReport regression;
    QJsonObject summary;
};

Result<Scored> score(const ml::Model &model, const ml::Dataset &testSet)
{
    if (auto fits = model.signature().accepts(testSet); !fits)
        return fail(text(fits.error().message));
    auto predictions = ml::predictWithLoss(model, testSet);
    if (!predictions)
        return fail(text(predictions.error().message));
    Scored scored;
    if (testSet.task == ml::TaskKind::Classification) {
        auto report =
            ml::classificationReport(testSet.classLabels, predictions->classes, testSet.classCount,
                                     predictions->meanLoss, testSet.classNames);
        if (!report)
            return fail(text(report.error().message));
        scored.classification = *report;
        scored.summary = {{QStringLiteral("accuracy"), number(report->accuracy)},
                          {QStringLiteral("loss"), number(report->meanLoss)},
                          {QStringLiteral("macro_f1"), number(report->macro.f1)}};
    } else {
        auto report =
            ml::regressionReport(testSet.targets, predictions->values, predictions->meanLoss);
        if (!report)
            return fail(text(report.error().message));
        scored.regression = *report;
        scored.summary = {{QStringLiteral("loss"), number(report->meanLoss)},
                          {QStringLiteral("rmse"), number(report->rmse)},
                          {QStringLiteral("mae"), number(report->mae)},
                          {QStringLiteral("r2"), number(report->r2)}};
    }
    return scored;
}

// The champion: the version the alias names, else the newest in Production; 0 when none.
Result<qint64> championOf(const registry::RegistryStore &registry, const ChallengeRequest &request)
{
    if (!request.championAlias.isEmpty()) {
        auto named = registry.versionByAlias(request.modelName, request.championAlias);
        if (named)
            return named->version;
    }
    auto production = registry.latestVersions(request.modelName, {registry::Stage::Production});
    if (!production)
        return production.error();
    return production->isEmpty() ? qint64(0) : production->first().version;
}

} // namespace

Result<ChallengeOutcome> challengeChampion(registry::RegistryStore &registry,
                                           const ml::ArchitectureLookup &architectures,
                                           const ml::Dataset &testSet,
                                           const ChallengeRequest &request)
{
    auto challengerModel =
        loadRegisteredModel(registry, architectures, request.modelName, request.challenger);
    if (!challengerModel)
        return challengerModel.error();
    auto challengerScore = score(*challengerModel, testSet);
    if (!challengerScore)
        return challengerScore.error();
    auto champion = championOf(registry, request);
    if (!champion)
        return champion.error();

    ChallengeOutcome outcome;
    outcome.champion = *champion;
    QJsonObject evaluation{{QStringLiteral("metric"), QString::fromStdString(request.rule.metric)},
                           {QStringLiteral("min_improvement"), request.rule.minImprovement},
                           {QStringLiteral("test_samples"), qint64(testSet.size())},
                           {QStringLiteral("challenger_version"), request.challenger},
                           {QStringLiteral("challenger_scores"), challengerScore->summary}};

    if (*champion == 0 || *champion == request.challenger) {
        outcome.verdict.promote = *champion == 0;
        outcome.verdict.reason =
            *champion == 0
                ? QStringLiteral("no champion yet: version %1 becomes the first")
                      .arg(request.challenger)
                : QStringLiteral("version %1 is already the champion").arg(request.challenger);
    } else {
        auto championModel =
            loadRegisteredModel(registry, architectures, request.modelName, *champion);
        if (!championModel)
            return championModel.error();
        auto championScore = score(*championModel, testSet);
        if (!championScore)
            return championScore.error();
        auto decision = testSet.task == ml::TaskKind::Classification
                            ? ml::decidePromotion(championScore->classification,
                                                  challengerScore->classification, request.rule)
                            : ml::decidePromotion(championScore->regression,
                                                  challengerScore->regression, request.rule);
        if (!decision)
            return fail(text(decision.error().message));
        outcome.verdict.promote = decision->promote;
        outcome.verdict.reason = QStringLiteral("v%1 against champion v%2: %3")
                                     .arg(request.challenger)
                                     .arg(*champion)
                                     .arg(text(decision->reason));
        evaluation.insert(QStringLiteral("champion_version"), *champion);
        evaluation.insert(QStringLiteral("champion_scores"), championScore->summary);
        evaluation.insert(QStringLiteral("champion"), number(decision->champion));
        evaluation.insert(QStringLiteral("challenger"), number(decision->challenger));
        evaluation.insert(QStringLiteral("improvement"), number(decision->improvement));
    }
    outcome.verdict.evaluation = evaluation;
    auto applied = registry.applyPromotion(request.modelName, request.challenger, outcome.verdict,
                                           request.actor, request.championAlias);
    if (!applied)
        return applied.error();
    outcome.challenger = *applied;
    qCInfo(lcTraining).noquote() << request.modelName << outcome.verdict.reason
                                 << (outcome.verdict.promote ? "-> promoted" : "-> kept");
    return outcome;
}

} // namespace millrace::training
