#pragma once

#include <QToolButton>

#include <functional>

namespace millrace::ui {

class RunGroupModel;

/// The "Group by" button over the run table: its menu offers None or any param of the loaded
/// runs to group by, and whether group rows show each metric's mean, min or max. The choice
/// lives in the RunGroupModel, so it survives reloads of the runs.
class GroupByButton : public QToolButton
{
    Q_OBJECT
public:
    /// Groups `model`'s runs; `paramKeys` lists the params to offer when the menu opens.
    GroupByButton(RunGroupModel *model, std::function<QStringList()> paramKeys,
                  QWidget *parent = nullptr);

private:
    void fillMenu();
    void updateText();

    RunGroupModel *m_model;
    std::function<QStringList()> m_paramKeys;
};

} // namespace millrace::ui
