from inference_core.testing.conformance import GeneratorConformance


class TestExampleEchoConformance(GeneratorConformance):
    generator_id = "example_echo_image"
    valid_inputs = {"prompt": "a red fox", "width": 64, "height": 48}
    invalid_inputs = [{"width": 0}, {"prompt": ""}]
