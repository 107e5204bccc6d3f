"""The scenario explorer for sales trainers: a local Dash app (`b2bsim explore`)."""
