// The smallest useful view plugin: one tab that greets and counts the processes of the
// newest snapshot. Written against the installed SDK headers only.
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>

namespace {

class HelloView : public sstop::View {
  public:
    explicit HelloView(sstop::PluginContext& context) { (void)context; }

    std::string title() const override { return "Hello"; }

    void update(std::shared_ptr<const sstop::Snapshot> snapshot) override {
        snapshot_ = std::move(snapshot);
    }

    void draw(sstop::Canvas& canvas, const sstop::ViewContext& context) override {
        (void)context;
        canvas.fill(0, 0, canvas.width(), canvas.height(), canvas.style(sstop::ThemeRole::Text));
        canvas.text(1, 1, "hello from an out-of-tree plugin",
                    canvas.style(sstop::ThemeRole::Accent));
        const std::size_t processes = snapshot_ ? snapshot_->processes.size() : 0;
        canvas.text(1, 3, "processes in the snapshot: " + std::to_string(processes),
                    canvas.style(sstop::ThemeRole::Text));
    }

  private:
    std::shared_ptr<const sstop::Snapshot> snapshot_;
};

}  // namespace

SSTOP_REGISTER_VIEW(HelloView, "hello-view", "1.0.0",
                    "example third-party view built against the installed SDK", sstop::OptionList{})
