from ai_engine.registry import activate_model


def after_training(result, path: str) -> None:
    if result.quality_gate_passed:
        activate_model(path)
