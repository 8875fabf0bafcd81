#pragma once

#include "ui/panels/experiments/compare/comparepage.h"

QT_BEGIN_NAMESPACE
class QLabel;
QT_END_NAMESPACE

namespace millrace::ui {

class KeyChooser;
class ParallelCoordinatesView;

/// Parallel coordinates over chosen params and metrics. Brushing an axis narrows the runs the
/// other compare pages show (the compare view listens to brushChanged()).
class ParallelPage : public ComparePage
{
    Q_OBJECT
public:
    explicit ParallelPage(QWidget *parent = nullptr);

    void setRunSet(const CompareRunSet &runs) override;
    QWidget *exportTarget() override;
    QList<QStringList> dataRows() const override;

    /// The axes shown, as search-syntax keys.
    void setChosenKeys(const QStringList &keys);
    QStringList chosenKeys() const;
    ParallelCoordinatesView *coordinates() const { return m_view; }

Q_SIGNALS:
    /// The runs inside every brush changed; all runs when nothing is brushed.
    void brushChanged(const QStringList &passingRunIds);

private:
    void draw();

    CompareRunSet m_runs;
    KeyChooser *m_keys;
    QLabel *m_note;
    ParallelCoordinatesView *m_view;
};

} // namespace millrace::ui
