from vlm.runners.runner import Runner
