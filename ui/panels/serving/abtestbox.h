#pragma once

#include "core/serving/servingservice.h"
#include "ui/panels/serving/servingcontroller.h"
#include "ui/panels/serving/servingqueries.h"

#include <QGroupBox>

#include <map>
#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QSlider;
class QTimer;
class QTreeWidget;
QT_END_NAMESPACE

namespace millrace::ui {

/// The A/B split: a candidate version of the served model and the share of requests it
/// answers (0-100%), applied while serving runs (or from the start), and the requests each
/// version answered so far, against the share it was given.
class AbTestBox : public QGroupBox
{
    Q_OBJECT
public:
    explicit AbTestBox(QWidget *parent = nullptr);

    /// Offers the versions of `model` (null: none) as candidates, keeping the choice.
    void setModel(const ServableModel *model);
    /// Follows serving's state.
    void setState(ServingController::State state);
    /// The versions in service and the candidate's share (candidate 0: no split).
    void setDeployment(qint64 primary, qint64 candidate, double candidateWeight);
    /// The requests each version answered since serving started.
    void setCounts(const std::map<qint64, quint64> &requestsByVersion);

    /// The candidate chosen as a target of `model`, or nothing (none chosen, or weight 0).
    std::optional<serving::ServingTarget> candidate(const QString &model) const;
    /// The candidate's share of requests, 0 to 1.
    double weight() const;

Q_SIGNALS:
    /// The candidate or its weight changed (after the slider rests a moment).
    void splitChanged();

private:
    void updateWeightLabel();
    void updateCounts();

    QComboBox *m_candidate;
    QSlider *m_weight;
    QLabel *m_weightLabel;
    QLabel *m_split;
    QTreeWidget *m_counts;
    QTimer *m_settle;

    qint64 m_primary = 0;
    qint64 m_servedCandidate = 0;
    double m_servedWeight = 0;
    std::map<qint64, quint64> m_requests;
};

} // namespace millrace::ui
