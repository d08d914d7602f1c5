from setuptools import setup

setup(
    name="sep-channel-demo",
    version="1.0.0",
    packages=["sep_channel_demo"],
    install_requires=["sep-helpdesk"],
    entry_points={"sep_helpdesk.plugins": ["demo = sep_channel_demo"]},
)
