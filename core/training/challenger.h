#pragma once

#include "core/base/result.h"
#include "core/ml/dataset.h"
#include "core/ml/evaluation.h"
#include "core/ml/model.h"
#include "core/registry/registrystore.h"

#include <QString>

namespace millrace::training {

/// What to judge: a registered version (the challenger) against the model's champion.
struct ChallengeRequest
{
    QString modelName;
    qint64 challenger = 0;
    ml::PromotionRule rule;
    /// The alias that names the champion and moves to a promoted challenger. The champion is
    /// the version it names, else the newest Production version; with neither, the challenger
    /// is promoted as the first champion.
    QString championAlias = QStringLiteral("champion");
    registry::Actor actor{QStringLiteral("promotion policy"), QString()};
};

/// What the judgement found and did.
struct ChallengeOutcome
{
    registry::PromotionVerdict verdict;
    qint64 champion = 0;               ///< the version judged against, 0 when there was none
    registry::ModelVersion challenger; ///< as it is afterwards (Production when promoted)
};

/// Seed 000's champion/challenger step, as pipeline tasks run it: scores the challenger and the
/// champion on the same labelled test set, applies `request.rule` (ml::decidePromotion) and
/// records the verdict with its numbers in the registry's history, promoting the challenger to
/// Production (archiving the old one, moving the alias) when it wins. Blocks on model loading,
/// inference and SQLite: call it from a worker. Fails, changing nothing, when a version is
/// missing or has no files, its model does not load or does not fit the test set.
Result<ChallengeOutcome> challengeChampion(registry::RegistryStore &registry,
                                           const ml::ArchitectureLookup &architectures,
                                           const ml::Dataset &testSet,
                                           const ChallengeRequest &request);

} // namespace millrace::training
