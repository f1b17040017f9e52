"""The signup feature: Steam/Minecraft identity proof, the signup service, its route and settings."""
